//! The storage contract of Axial.
//!
//! [`Store`] is an async, backend-neutral trait in domain words. Reads return
//! core values; every write is one [`ChangeSet`] applied atomically by
//! [`Store::commit`], which checks each op's precondition and appends the
//! change to the log in the same transaction. The use-case logic (what ops a
//! merge or an import consists of) lives in `axial-app`, written once for all
//! backends; backends only persist, check and query.
//!
//! This crate knows no driver and no SQL. [`conformance`] holds the test suite
//! every backend must pass.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use axial_core::{
    Account, Case, Change, ChangeSeq, ChangeSet, Code, CodeId, CodeRelation, Coding, CodingId,
    ContentHash, EntityKind, Memo, MemoId, Project, ProjectId, Record, RecordId, RecordKind,
    Session, Set, Source, SourceId, User, UserId, Variable, VariableValue, Version,
};

pub mod codec;
pub mod conformance;
pub mod order;

/// Everything that can go wrong in a store, in words a person can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error("no {kind} with id {id}")]
    NotFound { kind: EntityKind, id: String },
    #[error("{kind} '{label}' was changed by someone else since it was read (expected version {expected}, found {})", found.map(|v| v.to_string()).unwrap_or_else(|| "none: it was deleted".into()))]
    Conflict {
        kind: EntityKind,
        id: String,
        label: String,
        expected: Version,
        found: Option<Version>,
    },
    #[error("{kind} '{label}' already exists (id {id})")]
    AlreadyExists {
        kind: EntityKind,
        id: String,
        label: String,
    },
    #[error("{message}")]
    Constraint { message: String },
    #[error("change {seq} was already reverted")]
    AlreadyReverted { seq: ChangeSeq },
    #[error("the text with hash {hash} is not in the database")]
    MissingText { hash: ContentHash },
    #[error("the database is busy: another Axial process is writing to it ({detail}); try again when it has finished")]
    Locked { detail: String },
    #[error("the database was written by a newer Axial (schema version {found}; this Axial knows up to {supported}); upgrade Axial to open it")]
    NewerSchema { found: i64, supported: i64 },
    #[error("the database cannot be reached: {detail}")]
    Unavailable { detail: String },
    #[error("the database holds a value Axial cannot read ({detail}); it may be damaged")]
    Corrupt { detail: String },
    #[error("database error: {detail}")]
    Backend { detail: String },
    #[error("the {backend} store cannot {what}")]
    Unsupported { backend: &'static str, what: String },
}

/// Which codings to read. Empty filters mean "all".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodingFilter {
    pub codes: Vec<CodeId>,
    pub sources: Vec<SourceId>,
    pub coders: Vec<UserId>,
}

impl CodingFilter {
    pub fn all() -> CodingFilter {
        CodingFilter::default()
    }
    pub fn code(code: CodeId) -> CodingFilter {
        CodingFilter {
            codes: vec![code],
            ..Default::default()
        }
    }
    pub fn source(source: SourceId) -> CodingFilter {
        CodingFilter {
            sources: vec![source],
            ..Default::default()
        }
    }
}

/// Which log entries to read, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryQuery {
    /// `None` reads database-wide changes (users) as well as every project's.
    pub project: Option<ProjectId>,
    pub author: Option<UserId>,
    /// Only changes older than this one.
    pub before: Option<ChangeSeq>,
    pub limit: u32,
}

/// How many of each thing a project holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectCounts {
    pub sources: u64,
    pub cases: u64,
    pub variables: u64,
    pub codes: u64,
    pub codings: u64,
    pub memos: u64,
    pub sets: u64,
    pub relations: u64,
    pub records: u64,
    pub changes: u64,
    /// Total code points of all source texts.
    pub characters: u64,
}

/// Every value of one project, read in one consistent transaction (for
/// export, analysis and verification). Texts are read separately by hash.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectSnapshot {
    pub project: Option<Project>,
    pub users: Vec<User>,
    pub sources: Vec<Source>,
    pub cases: Vec<Case>,
    pub variables: Vec<Variable>,
    pub values: Vec<VariableValue>,
    pub sets: Vec<Set>,
    pub codes: Vec<Code>,
    pub codings: Vec<Coding>,
    pub memos: Vec<Memo>,
    pub relations: Vec<CodeRelation>,
    pub records: Vec<Record>,
}

/// Everything a database holds, for copying it to another backend
/// (`axial migrate`). Sessions are not part of it: they are tied to the
/// servers of the old database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatabaseDump {
    pub users: Vec<User>,
    pub accounts: Vec<Account>,
    /// One snapshot per project (its `users` field may be left empty).
    pub projects: Vec<ProjectSnapshot>,
    /// Every stored text, including those only the log still refers to.
    pub texts: Vec<(ContentHash, Arc<str>)>,
    /// The whole change log, oldest first, with its sequence numbers.
    pub log: Vec<Change>,
}

impl DatabaseDump {
    /// Every entity of the dump as inserts in an order that satisfies every
    /// reference: users, then per project the project, cases, variables,
    /// sources, values, sets, codes (parents before children), codings,
    /// memos, relations and records.
    pub fn inserts(&self) -> Vec<axial_core::Op> {
        use axial_core::{Entity, Op};
        let mut ops: Vec<Op> = self
            .users
            .iter()
            .cloned()
            .map(|u| Op::insert(Entity::User(u)))
            .collect();
        for p in &self.projects {
            if let Some(project) = &p.project {
                ops.push(Op::insert(Entity::Project(project.clone())));
            }
            ops.extend(p.cases.iter().cloned().map(|e| Op::insert(Entity::Case(e))));
            ops.extend(
                p.variables
                    .iter()
                    .cloned()
                    .map(|e| Op::insert(Entity::Variable(e))),
            );
            ops.extend(
                p.sources
                    .iter()
                    .cloned()
                    .map(|e| Op::insert(Entity::Source(e))),
            );
            ops.extend(
                p.values
                    .iter()
                    .cloned()
                    .map(|e| Op::insert(Entity::Value(e))),
            );
            ops.extend(p.sets.iter().cloned().map(|e| Op::insert(Entity::Set(e))));
            // Codes: breadth-first from the roots, so a parent always comes first.
            let mut placed = std::collections::HashSet::new();
            let mut rest: Vec<&Code> = p.codes.iter().collect();
            while !rest.is_empty() {
                let (ready, later): (Vec<&Code>, Vec<&Code>) = rest
                    .into_iter()
                    .partition(|c| c.parent.is_none_or(|parent| placed.contains(&parent)));
                if ready.is_empty() {
                    // A cycle or a missing parent: let the store report it.
                    ops.extend(
                        later
                            .into_iter()
                            .cloned()
                            .map(|e| Op::insert(Entity::Code(e))),
                    );
                    break;
                }
                for c in ready {
                    placed.insert(c.id);
                    ops.push(Op::insert(Entity::Code(c.clone())));
                }
                rest = later;
            }
            ops.extend(
                p.codings
                    .iter()
                    .cloned()
                    .map(|e| Op::insert(Entity::Coding(e))),
            );
            ops.extend(p.memos.iter().cloned().map(|e| Op::insert(Entity::Memo(e))));
            ops.extend(
                p.relations
                    .iter()
                    .cloned()
                    .map(|e| Op::insert(Entity::Relation(e))),
            );
            ops.extend(
                p.records
                    .iter()
                    .cloned()
                    .map(|e| Op::insert(Entity::Record(e))),
            );
        }
        ops
    }
}

/// The storage contract. Hold it as `Arc<dyn Store>`.
///
/// Listing methods return values in a stable order: sources by import time
/// then name; codes, cases, variables and sets by name; codings by source,
/// then start, then end, then id; memos by creation time; history newest
/// first.
#[async_trait]
pub trait Store: Send + Sync {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// Closes the store's connections. SQLite folds its write-ahead log back
    /// into the database file, so the file alone holds everything afterwards.
    async fn close(&self) {}

    /// Applies a change set atomically and appends it to the log.
    ///
    /// Before any op runs, `texts` are stored (a hash already present is
    /// kept). Then each op in order: an insert fails with `AlreadyExists` if
    /// the id exists; an update or delete fails with `Conflict` unless the
    /// stored version equals `before.version` (and with `Conflict { found:
    /// None }` if it is gone). Uniqueness rules (project names, code names
    /// among siblings, case/variable/set names in a project, one value per
    /// variable and subject, a source's text present) and references
    /// (a coding's code and source exist, a code's parent exists) fail with
    /// `Constraint`. With `reverts`, the reverted change is marked
    /// `reverted_by` the new change; it fails with `AlreadyReverted` if it
    /// was. Any failure leaves the database unchanged.
    async fn commit(&self, change: ChangeSet) -> Result<Change, StoreError>;

    /// Removes a project with everything in it and its history. Not undoable;
    /// a database-wide log entry records who deleted which project.
    async fn delete_project(&self, project: ProjectId, author: UserId) -> Result<(), StoreError>;

    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn projects(&self) -> Result<Vec<Project>, StoreError>;
    async fn project(&self, id: ProjectId) -> Result<Project, StoreError>;
    async fn counts(&self, project: ProjectId) -> Result<ProjectCounts, StoreError>;

    async fn sources(&self, project: ProjectId) -> Result<Vec<Source>, StoreError>;
    async fn source(&self, id: SourceId) -> Result<Source, StoreError>;
    /// The text stored under a content hash.
    async fn text(&self, hash: ContentHash) -> Result<Arc<str>, StoreError>;
    async fn cases(&self, project: ProjectId) -> Result<Vec<Case>, StoreError>;
    async fn variables(&self, project: ProjectId) -> Result<Vec<Variable>, StoreError>;
    async fn values(&self, project: ProjectId) -> Result<Vec<VariableValue>, StoreError>;
    async fn sets(&self, project: ProjectId) -> Result<Vec<Set>, StoreError>;
    async fn codes(&self, project: ProjectId) -> Result<Vec<Code>, StoreError>;
    async fn codings(
        &self,
        project: ProjectId,
        filter: &CodingFilter,
    ) -> Result<Vec<Coding>, StoreError>;
    async fn coding(&self, id: CodingId) -> Result<Coding, StoreError>;
    async fn memos(&self, project: ProjectId) -> Result<Vec<Memo>, StoreError>;
    async fn memo(&self, id: MemoId) -> Result<Memo, StoreError>;
    async fn relations(&self, project: ProjectId) -> Result<Vec<CodeRelation>, StoreError>;
    /// The project's records, of one kind or all, by kind then creation
    /// time then id.
    async fn records(
        &self,
        project: ProjectId,
        kind: Option<RecordKind>,
    ) -> Result<Vec<Record>, StoreError>;
    async fn record(&self, id: RecordId) -> Result<Record, StoreError>;
    /// All of a project in one read transaction.
    async fn snapshot(&self, project: ProjectId) -> Result<ProjectSnapshot, StoreError>;

    /// Log entries, newest first.
    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Change>, StoreError>;
    async fn change(&self, seq: ChangeSeq) -> Result<Change, StoreError>;
    /// The change `undo` would revert for this user in this project: their
    /// newest change that is not an undo and not yet reverted.
    async fn undo_candidate(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<Change>, StoreError>;
    /// The undo `redo` would revert: the user's newest not-yet-reverted undo
    /// in this project, provided the user made no other change (other than
    /// undos and redos) after it.
    async fn redo_candidate(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<Change>, StoreError>;

    // ---- live updates ----

    /// Asks the store to call `wake` whenever it learns that some process
    /// committed a change (and after it reconnected, since it may have
    /// missed some). Returns false when the store cannot push notifications;
    /// the caller then polls [`Store::log_after`]. Callers re-read the log
    /// after a wake-up: a wake carries no data and may be spurious.
    fn subscribe(&self, wake: Arc<dyn Fn() + Send + Sync>) -> bool {
        let _ = wake;
        false
    }

    // ---- copying a whole database ----

    /// The hashes of every stored text, in ascending order.
    async fn text_hashes(&self) -> Result<Vec<ContentHash>, StoreError>;
    /// Every logged change with a sequence number above `after`, oldest
    /// first, at most `limit` of them.
    async fn log_after(&self, after: ChangeSeq, limit: u32) -> Result<Vec<Change>, StoreError>;
    /// Loads a dump into this database, which must hold no users, projects
    /// or log entries (`Constraint` otherwise), in one transaction, keeping
    /// every id, version, timestamp and log sequence number. Later commits
    /// continue after the highest loaded sequence number.
    async fn load_dump(&self, dump: &DatabaseDump) -> Result<(), StoreError>;

    // ---- accounts and sessions (outside the change log) ----

    /// Every account.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// The account of a user, if they have one.
    async fn account(&self, user: UserId) -> Result<Option<Account>, StoreError>;
    /// How many accounts exist (a server may leave loopback only if some do).
    async fn account_count(&self) -> Result<u64, StoreError>;
    /// Creates or replaces the account of `account.user` (the user must
    /// exist: `Constraint` otherwise).
    async fn put_account(&self, account: &Account) -> Result<(), StoreError>;
    /// Stores a new session (`AlreadyExists`-free: token hashes are random).
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    /// The session with this token hash, whether or not it has expired.
    async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of a user (after a password change); returns how
    /// many there were.
    async fn delete_sessions(&self, user: UserId) -> Result<u64, StoreError>;

    /// Writes a consistent copy of the whole database to `path` while it
    /// stays open (SQLite's online backup). Other backends have their own
    /// tools and say so.
    async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        let _ = path;
        Err(StoreError::Unsupported {
            backend: self.backend(),
            what: "write a backup file (use the server's own backup tools, e.g. pg_dump)".into(),
        })
    }
}
