//! Sources: imported documents whose text never changes after import.
//!
//! The text itself is kept by content hash outside the [`Source`] record, so
//! the change log can restore a deleted source without copying its text.

use std::fmt;
use std::str::FromStr;

use crate::change::Version;
use crate::id::{CaseId, ProjectId, SourceId, UserId};
use crate::text::Span;
use crate::Timestamp;

/// What kind of file a source was imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum SourceKind {
    Text,
    Markdown,
    Html,
    Docx,
    Odt,
    Rtf,
    Pdf,
    Vtt,
    Srt,
    Csv,
    Xlsx,
    /// Came in through a REFI-QDA project.
    Refi,
}

impl SourceKind {
    pub const ALL: [SourceKind; 12] = [
        SourceKind::Text,
        SourceKind::Markdown,
        SourceKind::Html,
        SourceKind::Docx,
        SourceKind::Odt,
        SourceKind::Rtf,
        SourceKind::Pdf,
        SourceKind::Vtt,
        SourceKind::Srt,
        SourceKind::Csv,
        SourceKind::Xlsx,
        SourceKind::Refi,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Text => "text",
            SourceKind::Markdown => "markdown",
            SourceKind::Html => "html",
            SourceKind::Docx => "docx",
            SourceKind::Odt => "odt",
            SourceKind::Rtf => "rtf",
            SourceKind::Pdf => "pdf",
            SourceKind::Vtt => "vtt",
            SourceKind::Srt => "srt",
            SourceKind::Csv => "csv",
            SourceKind::Xlsx => "xlsx",
            SourceKind::Refi => "refi",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown source kind '{s}'"))
    }
}

/// SHA-256 of a source's UTF-8 text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
pub struct ContentHash(pub [u8; 32]);

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({self})")
    }
}

impl FromStr for ContentHash {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() != 64 || !s.is_ascii() {
            return Err(format!("'{s}' is not a 64-digit hexadecimal content hash"));
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
                .map_err(|_| format!("'{s}' is not a 64-digit hexadecimal content hash"))?;
        }
        Ok(ContentHash(out))
    }
}

impl TryFrom<String> for ContentHash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<ContentHash> for String {
    fn from(h: ContentHash) -> String {
        h.to_string()
    }
}

/// One speaker turn of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Turn {
    /// The whole turn, including the speaker label.
    pub span: Span,
    pub speaker: String,
    /// Start time in milliseconds, for timed transcripts (VTT, SRT).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub start_ms: Option<u64>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub end_ms: Option<u64>,
}

/// Optional layout recorded at import: paragraphs, speaker turns, PDF pages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Structure {
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub paragraphs: Vec<Span>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub turns: Vec<Turn>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub pages: Vec<Span>,
}

/// A document in a project. Its text is stored once by [`ContentHash`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Source {
    pub id: SourceId,
    pub project: ProjectId,
    pub name: String,
    pub kind: SourceKind,
    pub content_hash: ContentHash,
    /// Length of the text in code points.
    pub char_len: u32,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub imported_at: Timestamp,
    pub imported_by: UserId,
    pub case: Option<CaseId>,
    pub description: String,
    /// Shared: listings clone sources often and the layout does not change.
    pub structure: std::sync::Arc<Structure>,
    /// The source this one corrects, when it is a later revision.
    pub revision_of: Option<SourceId>,
    pub version: Version,
}
