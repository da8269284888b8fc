//! The change log: every mutation is a [`ChangeSet`] of entity-level [`Op`]s
//! with their before and after values.
//!
//! Backends apply a change set atomically, checking each op's precondition
//! (an update or delete must see the `before` version; an insert must find no
//! row), and append it to the log in the same transaction. Undo is the
//! [`Op::inverse`] of a logged change applied the same way, so a stale undo
//! fails with a conflict instead of overwriting someone's later work.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use uuid::Uuid;

use crate::case::{Case, Set, Variable, VariableValue};
use crate::code::{Code, CodeRelation};
use crate::coding::Coding;
use crate::id::{ProjectId, UserId};
use crate::memo::Memo;
use crate::project::Project;
use crate::record::Record;
use crate::source::{ContentHash, Source};
use crate::user::User;
use crate::Timestamp;

/// Optimistic-concurrency version of an entity: 1 on insert, +1 per update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct Version(pub u64);

impl Version {
    pub const FIRST: Version = Version(1);
    pub fn next(self) -> Version {
        Version(self.0 + 1)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Position of a change in the log (increasing, per database).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct ChangeSeq(pub i64);

impl fmt::Display for ChangeSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The kinds of stored thing, as named in the log and in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum EntityKind {
    User,
    Project,
    Case,
    Variable,
    Source,
    Value,
    Code,
    Coding,
    Memo,
    Set,
    Relation,
    Record,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Project => "project",
            EntityKind::Case => "case",
            EntityKind::Variable => "variable",
            EntityKind::Source => "source",
            EntityKind::Value => "value",
            EntityKind::Code => "code",
            EntityKind::Coding => "coding",
            EntityKind::Memo => "memo",
            EntityKind::Set => "set",
            EntityKind::Relation => "relation",
            EntityKind::Record => "record",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A full value of one stored thing.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "kind", content = "value", rename_all = "lowercase")
)]
pub enum Entity {
    User(User),
    Project(Project),
    Case(Case),
    Variable(Variable),
    Source(Source),
    Value(VariableValue),
    Code(Code),
    Coding(Coding),
    Memo(Memo),
    Set(Set),
    Relation(CodeRelation),
    Record(Record),
}

impl Entity {
    pub fn kind(&self) -> EntityKind {
        match self {
            Entity::User(_) => EntityKind::User,
            Entity::Project(_) => EntityKind::Project,
            Entity::Case(_) => EntityKind::Case,
            Entity::Variable(_) => EntityKind::Variable,
            Entity::Source(_) => EntityKind::Source,
            Entity::Value(_) => EntityKind::Value,
            Entity::Code(_) => EntityKind::Code,
            Entity::Coding(_) => EntityKind::Coding,
            Entity::Memo(_) => EntityKind::Memo,
            Entity::Set(_) => EntityKind::Set,
            Entity::Relation(_) => EntityKind::Relation,
            Entity::Record(_) => EntityKind::Record,
        }
    }

    /// The entity's id as a bare GUID (for the log and error messages).
    pub fn guid(&self) -> Uuid {
        match self {
            Entity::User(e) => e.id.as_uuid(),
            Entity::Project(e) => e.id.as_uuid(),
            Entity::Case(e) => e.id.as_uuid(),
            Entity::Variable(e) => e.id.as_uuid(),
            Entity::Source(e) => e.id.as_uuid(),
            Entity::Value(e) => e.id.as_uuid(),
            Entity::Code(e) => e.id.as_uuid(),
            Entity::Coding(e) => e.id.as_uuid(),
            Entity::Memo(e) => e.id.as_uuid(),
            Entity::Set(e) => e.id.as_uuid(),
            Entity::Relation(e) => e.id.as_uuid(),
            Entity::Record(e) => e.id.as_uuid(),
        }
    }

    pub fn version(&self) -> Version {
        match self {
            Entity::User(e) => e.version,
            Entity::Project(e) => e.version,
            Entity::Case(e) => e.version,
            Entity::Variable(e) => e.version,
            Entity::Source(e) => e.version,
            Entity::Value(e) => e.version,
            Entity::Code(e) => e.version,
            Entity::Coding(e) => e.version,
            Entity::Memo(e) => e.version,
            Entity::Set(e) => e.version,
            Entity::Relation(e) => e.version,
            Entity::Record(e) => e.version,
        }
    }

    /// The same entity with another version number.
    pub fn with_version(mut self, v: Version) -> Entity {
        match &mut self {
            Entity::User(e) => e.version = v,
            Entity::Project(e) => e.version = v,
            Entity::Case(e) => e.version = v,
            Entity::Variable(e) => e.version = v,
            Entity::Source(e) => e.version = v,
            Entity::Value(e) => e.version = v,
            Entity::Code(e) => e.version = v,
            Entity::Coding(e) => e.version = v,
            Entity::Memo(e) => e.version = v,
            Entity::Set(e) => e.version = v,
            Entity::Relation(e) => e.version = v,
            Entity::Record(e) => e.version = v,
        }
        self
    }

    /// The project the entity belongs to (users and projects themselves: none
    /// and their own id).
    pub fn project(&self) -> Option<ProjectId> {
        match self {
            Entity::User(_) => None,
            Entity::Project(e) => Some(e.id),
            Entity::Case(e) => Some(e.project),
            Entity::Variable(e) => Some(e.project),
            Entity::Source(e) => Some(e.project),
            Entity::Value(e) => Some(e.project),
            Entity::Code(e) => Some(e.project),
            Entity::Coding(e) => Some(e.project),
            Entity::Memo(e) => Some(e.project),
            Entity::Set(e) => Some(e.project),
            Entity::Relation(e) => Some(e.project),
            Entity::Record(e) => Some(e.project),
        }
    }

    /// A short human label: the name or title where there is one.
    pub fn label(&self) -> String {
        match self {
            Entity::User(e) => e.name.clone(),
            Entity::Project(e) => e.name.clone(),
            Entity::Case(e) => e.name.clone(),
            Entity::Variable(e) => e.name.clone(),
            Entity::Source(e) => e.name.clone(),
            Entity::Value(e) => e.value.to_string(),
            Entity::Code(e) => e.name.clone(),
            Entity::Coding(e) => e.span.to_string(),
            Entity::Memo(e) => e.title.clone(),
            Entity::Set(e) => e.name.clone(),
            Entity::Relation(e) => e.label.clone(),
            Entity::Record(e) => {
                if e.key.is_empty() {
                    e.kind.to_string()
                } else {
                    format!("{} {}", e.kind, e.key)
                }
            }
        }
    }
}

/// One entity-level step of a change.
// An update holds two entities; boxing them would not save memory (every op
// holds at least one entity) and would add an allocation per op.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "op", rename_all = "lowercase")
)]
pub enum Op {
    /// Requires that no entity with this id exists.
    Insert { after: Entity },
    /// Requires the stored entity to be at `before.version`; `after.version`
    /// is `before.version + 1`.
    Update { before: Entity, after: Entity },
    /// Requires the stored entity to be at `before.version`.
    Delete { before: Entity },
}

impl Op {
    pub fn insert(e: Entity) -> Op {
        Op::Insert { after: e }
    }
    pub fn delete(e: Entity) -> Op {
        Op::Delete { before: e }
    }
    /// An update from `before` to `after`, with `after`'s version set to the next one.
    pub fn update(before: Entity, after: Entity) -> Op {
        let v = before.version().next();
        Op::Update {
            before,
            after: after.with_version(v),
        }
    }

    /// The entity the op is about, as it is after the op (or before a delete).
    pub fn entity(&self) -> &Entity {
        match self {
            Op::Insert { after } | Op::Update { after, .. } => after,
            Op::Delete { before } => before,
        }
    }

    /// The op that takes the state after this op back to the state before it.
    /// An update's inverse moves the version forward, never back, so that
    /// versions only grow and a stale writer is always caught.
    pub fn inverse(&self) -> Op {
        match self {
            Op::Insert { after } => Op::Delete {
                before: after.clone(),
            },
            Op::Delete { before } => Op::Insert {
                after: before.clone(),
            },
            Op::Update { before, after } => Op::Update {
                before: after.clone(),
                after: before.clone().with_version(after.version().next()),
            },
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Op::Insert { .. } => "insert",
            Op::Update { .. } => "update",
            Op::Delete { .. } => "delete",
        }
    }
}

/// What a change did, in the words of the use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    UserCreate,
    ProjectCreate,
    ProjectUpdate,
    SourceImport,
    SourceUpdate,
    SourceDelete,
    CaseCreate,
    CaseUpdate,
    CaseDelete,
    VariableDefine,
    VariableDelete,
    ValueSet,
    SetCreate,
    SetUpdate,
    SetDelete,
    CodeCreate,
    CodeUpdate,
    CodeMove,
    CodeMerge,
    CodeDelete,
    CodingApply,
    CodingUpdate,
    CodingRemove,
    MemoCreate,
    MemoUpdate,
    MemoDelete,
    RelationCreate,
    RelationDelete,
    ProjectImport,
    RecordCreate,
    RecordUpdate,
    RecordDelete,
    ParticipantWithdraw,
    SourcePseudonymise,
    AccountUpdate,
    MemberChange,
    Undo,
    Redo,
}

impl Action {
    pub const ALL: [Action; 38] = [
        Action::UserCreate,
        Action::ProjectCreate,
        Action::ProjectUpdate,
        Action::SourceImport,
        Action::SourceUpdate,
        Action::SourceDelete,
        Action::CaseCreate,
        Action::CaseUpdate,
        Action::CaseDelete,
        Action::VariableDefine,
        Action::VariableDelete,
        Action::ValueSet,
        Action::SetCreate,
        Action::SetUpdate,
        Action::SetDelete,
        Action::CodeCreate,
        Action::CodeUpdate,
        Action::CodeMove,
        Action::CodeMerge,
        Action::CodeDelete,
        Action::CodingApply,
        Action::CodingUpdate,
        Action::CodingRemove,
        Action::MemoCreate,
        Action::MemoUpdate,
        Action::MemoDelete,
        Action::RelationCreate,
        Action::RelationDelete,
        Action::ProjectImport,
        Action::RecordCreate,
        Action::RecordUpdate,
        Action::RecordDelete,
        Action::ParticipantWithdraw,
        Action::SourcePseudonymise,
        Action::AccountUpdate,
        Action::MemberChange,
        Action::Undo,
        Action::Redo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::UserCreate => "user.create",
            Action::ProjectCreate => "project.create",
            Action::ProjectUpdate => "project.update",
            Action::SourceImport => "source.import",
            Action::SourceUpdate => "source.update",
            Action::SourceDelete => "source.delete",
            Action::CaseCreate => "case.create",
            Action::CaseUpdate => "case.update",
            Action::CaseDelete => "case.delete",
            Action::VariableDefine => "variable.define",
            Action::VariableDelete => "variable.delete",
            Action::ValueSet => "value.set",
            Action::SetCreate => "set.create",
            Action::SetUpdate => "set.update",
            Action::SetDelete => "set.delete",
            Action::CodeCreate => "code.create",
            Action::CodeUpdate => "code.update",
            Action::CodeMove => "code.move",
            Action::CodeMerge => "code.merge",
            Action::CodeDelete => "code.delete",
            Action::CodingApply => "coding.apply",
            Action::CodingUpdate => "coding.update",
            Action::CodingRemove => "coding.remove",
            Action::MemoCreate => "memo.create",
            Action::MemoUpdate => "memo.update",
            Action::MemoDelete => "memo.delete",
            Action::RelationCreate => "relation.create",
            Action::RelationDelete => "relation.delete",
            Action::ProjectImport => "project.import",
            Action::RecordCreate => "record.create",
            Action::RecordUpdate => "record.update",
            Action::RecordDelete => "record.delete",
            Action::ParticipantWithdraw => "participant.withdraw",
            Action::SourcePseudonymise => "source.pseudonymise",
            Action::AccountUpdate => "account.update",
            Action::MemberChange => "member.change",
            Action::Undo => "undo",
            Action::Redo => "redo",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown action '{s}'"))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Action {
    /// Whether the change erased data on purpose (a withdrawal, a
    /// pseudonymisation) and so can never be undone.
    pub fn is_irreversible(self) -> bool {
        matches!(
            self,
            Action::ParticipantWithdraw | Action::SourcePseudonymise
        )
    }
}

/// A rewrite of the logged changes of a project, run by the store inside
/// the transaction of the change that carries it (and on that change's own
/// entry before it is logged). It exists for erasure only: a withdrawal
/// blanks the withdrawn participant's content in earlier entries, a
/// pseudonymisation replaces original identifiers. It returns whether it
/// changed the entry. The who, when and what of every entry stay.
#[derive(Clone)]
pub struct Scrub(pub Arc<dyn Fn(&mut Change) -> bool + Send + Sync>);

impl Scrub {
    pub fn new(f: impl Fn(&mut Change) -> bool + Send + Sync + 'static) -> Scrub {
        Scrub(Arc::new(f))
    }
    pub fn apply(&self, change: &mut Change) -> bool {
        (self.0)(change)
    }
}

impl fmt::Debug for Scrub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scrub(..)")
    }
}

/// A change to apply: what the store must do atomically and log.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    /// The project the change belongs to; `None` for database-wide changes
    /// (creating users).
    pub project: Option<ProjectId>,
    pub author: UserId,
    pub action: Action,
    /// One line a person can read in the history ("merged 'a' into 'b'").
    pub summary: String,
    pub ops: Vec<Op>,
    /// Source texts the ops need, stored by hash before the ops run.
    pub texts: Vec<(ContentHash, Arc<str>)>,
    /// For an undo: the change it reverts; for a redo: the undo it reverts.
    /// The store marks that change reverted and fails if it already was.
    pub reverts: Option<ChangeSeq>,
    /// Erasure only: rewrites every logged change of the project (see
    /// [`Scrub`]).
    pub scrub: Option<Scrub>,
    /// Texts to delete after the ops ran, each only if no source uses it any
    /// more (erasure of withdrawn or pseudonymised originals).
    pub purge_texts: Vec<ContentHash>,
}

impl ChangeSet {
    pub fn new(
        project: Option<ProjectId>,
        author: UserId,
        action: Action,
        summary: impl Into<String>,
    ) -> ChangeSet {
        ChangeSet {
            project,
            author,
            action,
            summary: summary.into(),
            ops: Vec::new(),
            texts: Vec::new(),
            reverts: None,
            scrub: None,
            purge_texts: Vec::new(),
        }
    }
    pub fn op(mut self, op: Op) -> ChangeSet {
        self.ops.push(op);
        self
    }
    pub fn push(&mut self, op: Op) {
        self.ops.push(op);
    }
}

/// A logged change.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Change {
    pub seq: ChangeSeq,
    pub project: Option<ProjectId>,
    pub author: UserId,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub at: Timestamp,
    pub action: Action,
    pub summary: String,
    pub ops: Vec<Op>,
    pub reverts: Option<ChangeSeq>,
    /// Set when a later undo (or redo) reverted this change.
    pub reverted_by: Option<ChangeSeq>,
}

impl Change {
    /// The change set that reverts this change (for undo, or redo of an undo).
    pub fn inverse(&self, author: UserId, action: Action, summary: impl Into<String>) -> ChangeSet {
        ChangeSet {
            project: self.project,
            author,
            action,
            summary: summary.into(),
            ops: self.ops.iter().rev().map(Op::inverse).collect(),
            texts: Vec::new(),
            reverts: Some(self.seq),
            scrub: None,
            purge_texts: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Case, CaseId, ProjectId};

    fn case(name: &str, v: u64) -> Entity {
        Entity::Case(Case {
            id: CaseId::from_uuid(Uuid::nil()),
            project: ProjectId::from_uuid(Uuid::nil()),
            name: name.into(),
            description: String::new(),
            version: Version(v),
        })
    }

    #[test]
    fn inverse_of_update_moves_version_forward() {
        let op = Op::update(case("a", 1), case("b", 1));
        assert_eq!(
            op,
            Op::Update {
                before: case("a", 1),
                after: case("b", 2)
            }
        );
        assert_eq!(
            op.inverse(),
            Op::Update {
                before: case("b", 2),
                after: case("a", 3)
            }
        );
        assert_eq!(Op::insert(case("a", 1)).inverse(), Op::delete(case("a", 1)));
        assert_eq!(Op::delete(case("a", 4)).inverse(), Op::insert(case("a", 4)));
    }

    #[test]
    fn actions_have_unique_names() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), a);
        }
    }
}
