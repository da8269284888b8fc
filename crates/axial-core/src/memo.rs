//! Memos (REFI-QDA: Notes): markdown text with a type and links to what they are about.

use std::fmt;
use std::str::FromStr;

use crate::change::Version;
use crate::id::{CaseId, CodeId, CodingId, MemoId, ProjectId, SourceId, UserId};
use crate::Timestamp;

/// What a memo is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum MemoKind {
    /// About what a code means and how it is used.
    Code,
    /// About emerging categories, relations and the theory.
    Theoretical,
    /// About decisions of method (sampling, coding procedure).
    Method,
    /// About one document.
    Document,
}

impl MemoKind {
    pub const ALL: [MemoKind; 4] = [
        MemoKind::Code,
        MemoKind::Theoretical,
        MemoKind::Method,
        MemoKind::Document,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MemoKind::Code => "code",
            MemoKind::Theoretical => "theoretical",
            MemoKind::Method => "method",
            MemoKind::Document => "document",
        }
    }
}

impl fmt::Display for MemoKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MemoKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        MemoKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown memo type '{s}'; use code, theoretical, method or document")
            })
    }
}

/// What a memo is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "type", content = "id", rename_all = "lowercase")
)]
pub enum MemoLink {
    Project,
    Source(SourceId),
    Case(CaseId),
    Code(CodeId),
    Coding(CodingId),
}

/// A memo.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Memo {
    pub id: MemoId,
    pub project: ProjectId,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub kind: MemoKind,
    pub links: Vec<MemoLink>,
    pub author: UserId,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub updated_at: Timestamp,
    pub version: Version,
}
