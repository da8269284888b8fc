//! Document importers: bytes of one file in, normalised source text out.
//!
//! This module owns turning a file a researcher hands us (plain text,
//! Markdown, HTML, DOCX, ODT, RTF, PDF, WebVTT, SRT, CSV, XLSX) into an
//! [`ImportedDocument`]: its text, the layout found in it (paragraphs,
//! speaker turns, PDF pages) and warnings to show the user. Survey tables
//! (CSV, XLSX) come in as a [`SurveyTable`], from which
//! [`survey_row_document`] builds one source text per respondent.
//!
//! Every importer is pure: it reads only the bytes it is handed (the file
//! name is used for messages and for the kind), touches no database and no
//! other path, and never panics on bad input; a file that is not what it
//! claims, is damaged, empty or too large gives an [`ImportError`] naming the
//! file and saying what to do.
//!
//! The text is normalised the same way for every format: UTF-8 without a
//! byte-order mark, line breaks as `\n`, C0 control characters other than
//! `\n` and `\t` removed (form feed and vertical tab become line breaks), and
//! nothing else changed: no Unicode normalisation, so the text stays as
//! written and offsets stay stable. Paragraphs in formats that have them
//! (HTML, DOCX, ODT, RTF, PDF, subtitles) are separated by one blank line.
//!
//! It does not store anything, guess cases or attributes, or run OCR.

mod docx;
mod error;
mod html;
mod layout;
mod odt;
mod package;
mod pdf;
mod rtf;
mod sniff;
mod subtitle;
mod survey;
mod text;

use axial_core::{SourceKind, Structure};

pub use error::ImportError;
pub use layout::{detect_turns, paragraphs};
pub use sniff::detect_kind;
pub use survey::{read_survey, read_survey_sheet, survey_row_document, SurveyTable};

/// Files larger than this (200 MiB) are refused before any parsing.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// The most any one part of a ZIP-based file (DOCX, ODT, XLSX) may unpack to
/// (64 MiB): a guard against ZIP bombs.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// One document turned into source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDocument {
    /// Normalised text (see the module documentation).
    pub text: String,
    pub kind: SourceKind,
    /// Paragraphs, speaker turns and (for PDF) pages, as spans of `text`.
    pub structure: Structure,
    /// Things the user should check, in plain words.
    pub warnings: Vec<String>,
    /// The title from the document's metadata, where it has one.
    pub title: Option<String>,
}

/// Import one document: text, Markdown, HTML, DOCX, ODT, RTF, PDF, WebVTT or
/// SRT. `file_name` names the file in messages and, with the content, decides
/// its kind (see [`detect_kind`]).
pub fn import_document(file_name: &str, bytes: &[u8]) -> Result<ImportedDocument, ImportError> {
    check_size(file_name, bytes)?;
    let kind = detect_kind(file_name, bytes)?;
    let doc = match kind {
        SourceKind::Text | SourceKind::Markdown => text::import_plain(file_name, bytes, kind)?,
        SourceKind::Html => html::import(file_name, bytes)?,
        SourceKind::Docx => docx::import(file_name, bytes)?,
        SourceKind::Odt => odt::import(file_name, bytes)?,
        SourceKind::Rtf => rtf::import(file_name, bytes)?,
        SourceKind::Pdf => pdf::import(file_name, bytes)?,
        SourceKind::Vtt | SourceKind::Srt => subtitle::import(file_name, bytes, kind)?,
        SourceKind::Csv | SourceKind::Xlsx | SourceKind::Refi => {
            return Err(ImportError::NotADocument {
                file: file_name.to_string(),
                kind,
            });
        }
    };
    if doc.text.trim().is_empty() {
        return Err(ImportError::Empty {
            file: file_name.to_string(),
        });
    }
    Ok(doc)
}

fn check_size(file_name: &str, bytes: &[u8]) -> Result<(), ImportError> {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            file: file_name.to_string(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(())
}

/// Assembles a document from paragraphs, one blank line between them, and
/// records each paragraph's span. Every piece of text goes through the same
/// normalisation as plain text, and blank lines inside a paragraph are
/// dropped so that [`paragraphs`] of the result finds the same paragraphs.
#[derive(Debug, Default)]
pub(crate) struct DocumentBuilder {
    text: String,
    chars: u32,
    paragraphs: Vec<axial_core::Span>,
    removed_controls: usize,
}

impl DocumentBuilder {
    /// Add one paragraph; returns its span, or `None` when it holds no text.
    pub(crate) fn push_paragraph(&mut self, raw: &str) -> Option<axial_core::Span> {
        let (clean, removed) = text::normalise(raw);
        self.removed_controls += removed;
        let lines: Vec<&str> = clean
            .split('\n')
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .collect();
        if lines.is_empty() {
            return None;
        }
        let para = lines.join("\n");
        // Leading blanks of the first line are kept in the text (indentation
        // as written) but not in the span.
        let lead = para.chars().take_while(|c| c.is_whitespace()).count() as u32;
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
            self.chars += 2;
        }
        let len = para.chars().count() as u32;
        let start = self.chars + lead;
        self.text.push_str(&para);
        self.chars += len;
        let span = axial_core::Span::unbounded(start, self.chars).ok()?;
        self.paragraphs.push(span);
        Some(span)
    }

    /// The finished document, with speaker turns found in its text.
    pub(crate) fn finish(
        self,
        kind: SourceKind,
        mut warnings: Vec<String>,
        title: Option<String>,
    ) -> ImportedDocument {
        if self.removed_controls > 0 {
            warnings.push(text::controls_warning(self.removed_controls));
        }
        let turns = detect_turns(&self.text);
        ImportedDocument {
            text: self.text,
            kind,
            structure: Structure {
                paragraphs: self.paragraphs,
                turns,
                pages: Vec::new(),
            },
            warnings,
            title: title
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        }
    }
}
