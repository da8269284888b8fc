//! The Axial domain: typed ids, source texts and code-point spans, cases and
//! attributes, the code tree, codings, memos, users and the change log.
//!
//! This crate owns the rules that hold whatever the storage or front end:
//! a [`Span`] is `[start, end)` in Unicode code points with `start < end`,
//! code names are unique among siblings, source text never changes after
//! import. It does no IO, no async, and knows nothing of SQL or HTTP.

pub mod case;
pub mod change;
pub mod code;
pub mod coding;
pub mod id;
pub mod memo;
pub mod project;
pub mod record;
pub mod source;
pub mod text;
pub mod user;

pub use case::{
    Case, Set, SetMember, Subject, Value, ValueError, Variable, VariableKind, VariableValue,
};
pub use change::{Action, Change, ChangeSeq, ChangeSet, Entity, EntityKind, Op, Scrub, Version};
pub use code::{Code, CodeRelation, Color, ColorError, RelationKind};
pub use coding::Coding;
pub use id::{
    CaseId, CodeId, CodingId, IdError, MemoId, ProjectId, RecordId, RelationId, SetId, SourceId,
    UserId, ValueId, VariableId,
};
pub use memo::{Memo, MemoKind, MemoLink};
pub use project::{validate_name, NameError, Project};
pub use record::{Record, RecordKind};
pub use source::{ContentHash, Source, SourceKind, Structure, Turn};
pub use text::{CharOffset, LineIndex, Span, SpanError, TextIndex};
pub use user::{Account, Session, User};

/// Wall-clock instants are always UTC.
pub type Timestamp = time::OffsetDateTime;

/// The current instant, truncated to microseconds so that it survives a round
/// trip through every backend unchanged.
pub fn now() -> Timestamp {
    let t = time::OffsetDateTime::now_utc();
    let micros = t.microsecond();
    t.replace_nanosecond(micros * 1000)
        .expect("microseconds * 1000 is a valid nanosecond")
}
