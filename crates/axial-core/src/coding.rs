//! Codings: one code applied by one coder to one span of one source.

use crate::change::Version;
use crate::id::{CodeId, CodingId, ProjectId, SourceId, UserId};
use crate::text::Span;
use crate::Timestamp;

/// A code applied to `[span.start, span.end)` of a source. Memos about a
/// coding are [`crate::Memo`]s linked to it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Coding {
    pub id: CodingId,
    pub project: ProjectId,
    pub source: SourceId,
    pub code: CodeId,
    pub span: Span,
    pub coder: UserId,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub created_at: Timestamp,
    pub version: Version,
}
