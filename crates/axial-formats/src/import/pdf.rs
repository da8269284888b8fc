//! PDF documents: the text layer of each page (through `pdf-extract`, on
//! `lopdf`), with page boundaries recorded as `structure.pages` and the
//! title from the document information dictionary.
//!
//! Page texts are joined with a blank line; inside a page, lines are kept as
//! the PDF lays them out (runs of blank lines collapsed to one). A page
//! without text gets a short bracketed marker so that page numbers stay
//! aligned with `structure.pages`. A PDF with no text at all is a scan and
//! needs OCR, which this module does not do. The PDF parser may panic on
//! hostile files; that is caught and reported as a damaged file.

use std::panic::{catch_unwind, AssertUnwindSafe};

use axial_core::{SourceKind, Span, Structure};
use pdf_extract::{Document, Object};

use super::{detect_turns, paragraphs, text, ImportError, ImportedDocument};

pub(crate) fn import(file: &str, bytes: &[u8]) -> Result<ImportedDocument, ImportError> {
    let kind = SourceKind::Pdf;
    let extracted = catch_unwind(AssertUnwindSafe(|| extract(bytes))).map_err(|_| {
        ImportError::corrupt(
            file,
            kind,
            "the PDF reader could not make sense of its contents",
        )
    })?;
    let extracted = match extracted {
        Ok(x) => x,
        Err(Failure::Encrypted) => {
            return Err(ImportError::Encrypted {
                file: file.to_string(),
            })
        }
        Err(Failure::Unreadable(detail)) => return Err(ImportError::corrupt(file, kind, detail)),
    };
    if extracted.pages.is_empty() {
        return Err(ImportError::corrupt(file, kind, "it has no pages"));
    }
    let cleaned: Vec<Option<String>> = extracted
        .pages
        .iter()
        .map(|p| {
            p.as_ref()
                .ok()
                .map(|t| clean_page(t))
                .filter(|t| !t.is_empty())
        })
        .collect();
    if cleaned.iter().all(Option::is_none) {
        return Err(ImportError::NoTextLayer {
            file: file.to_string(),
        });
    }
    let mut warnings = Vec::new();
    let mut removed = 0;
    let mut out = String::new();
    let mut chars = 0u32;
    let mut structure = Structure::default();
    for (i, page) in cleaned.iter().enumerate() {
        let number = i + 1;
        let page_text = match page {
            Some(t) => {
                let (t, n) = text::normalise(t);
                removed += n;
                t
            }
            None => {
                let why = match &extracted.pages[i] {
                    Err(e) => format!("could not be read ({e})"),
                    Ok(_) => "has no text (an image or a blank page?)".to_string(),
                };
                warnings.push(format!(
                    "page {number} {why}; it is marked [no text on page {number}]"
                ));
                format!("[no text on page {number}]")
            }
        };
        if !out.is_empty() {
            out.push_str("\n\n");
            chars += 2;
        }
        let len = page_text.chars().count() as u32;
        for p in paragraphs(&page_text) {
            structure
                .paragraphs
                .extend(Span::unbounded(p.start().0 + chars, p.end().0 + chars).ok());
        }
        structure
            .pages
            .extend(Span::unbounded(chars, chars + len).ok());
        out.push_str(&page_text);
        chars += len;
    }
    if removed > 0 {
        warnings.push(text::controls_warning(removed));
    }
    structure.turns = detect_turns(&out);
    Ok(ImportedDocument {
        text: out,
        kind,
        structure,
        warnings,
        title: extracted.title,
    })
}

#[derive(Debug)]
enum Failure {
    Encrypted,
    Unreadable(String),
}

#[derive(Debug)]
struct Extracted {
    /// Each page's raw text, or why it could not be read.
    pages: Vec<Result<String, String>>,
    title: Option<String>,
}

fn extract(bytes: &[u8]) -> Result<Extracted, Failure> {
    let mut doc = Document::load_mem(bytes).map_err(|e| Failure::Unreadable(e.to_string()))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(Failure::Encrypted);
    }
    let title = title(&doc);
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    let pages = numbers
        .into_iter()
        .map(|n| {
            let mut s = String::new();
            let mut output = pdf_extract::PlainTextOutput::new(&mut s);
            pdf_extract::output_doc_page(&doc, &mut output, n).map_err(|e| e.to_string())?;
            Ok(s)
        })
        .collect();
    Ok(Extracted { pages, title })
}

fn title(doc: &Document) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let info = match info {
        Object::Reference(id) => doc.get_dictionary(*id).ok()?,
        Object::Dictionary(d) => d,
        _ => return None,
    };
    let title = info.get(b"Title").ok()?;
    let (_, title) = doc.dereference(title).ok()?;
    let title = pdf_extract::decode_text_string(title).ok()?;
    Some(title.trim().to_string()).filter(|t| !t.is_empty())
}

/// A page's text with line ends trimmed, blank-line runs collapsed and
/// leading and trailing blank lines removed.
fn clean_page(raw: &str) -> String {
    let mut out = String::new();
    let mut blank_run = false;
    for line in raw.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run { "\n\n" } else { "\n" });
        }
        blank_run = false;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_text_is_tidied() {
        assert_eq!(
            clean_page("\n\n  Zoë  \nline two\n\n\n\nnaïve\n \n"),
            "  Zoë\nline two\n\nnaïve"
        );
        assert_eq!(clean_page(" \n\n"), "");
    }

    #[test]
    fn garbage_is_corrupt_not_a_panic() {
        let err = import("noise.pdf", b"%PDF-1.4\n\x01\x02 not really a pdf").expect_err("corrupt");
        assert!(matches!(err, ImportError::Corrupt { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("noise.pdf is a damaged pdf file"),
            "{err}"
        );
    }
}
