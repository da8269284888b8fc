//! The embedded SQLite backend of Axial's [`Store`]: one file (or an
//! in-memory database for tests) holding any number of projects.
//!
//! # How it is used
//! [`SqliteStore::open`] takes a path or a `sqlite:` URL, creates the file if
//! needed and runs the numbered migrations in `migrations/` (see
//! [`migrate`]); a database written by a newer Axial is refused with
//! `StoreError::NewerSchema`. [`location_warning`] tells the caller when a
//! file sits in a cloud-sync folder or on a network filesystem.
//!
//! # Concurrency and durability
//! Every connection runs in WAL mode with `foreign_keys=ON`,
//! `synchronous=FULL` (a commit that returned is on disk) and a busy timeout
//! (5 s unless [`SqliteOptions`] says otherwise). Readers use a small
//! connection pool and never wait for writers. Writes are serialized twice:
//! inside this process by an async mutex (so a long import never makes
//! another task of the same process time out), and across processes by
//! starting every write transaction with `BEGIN IMMEDIATE`, which takes the
//! write lock up front so two processes can never deadlock upgrading a read
//! lock. A write that still cannot get the lock within the busy timeout
//! fails with `StoreError::Locked`. An in-memory database uses a single
//! connection (it lives only as long as that connection).
//!
//! # What it does not do
//! It holds no use-case logic: which ops an undo, a merge or an import
//! consists of is decided in `axial-app`; this crate checks each op's
//! precondition, persists it and answers queries. It knows nothing of HTTP
//! or file formats.
//!
//! # Layout
//! `table` maps entities onto tables (columns, encoding, private `…Row`
//! types), `write` applies change sets, `read` holds the queries, `codec`
//! the column encodings, `error` the mapping of SQLite errors,
//! `location` the sync-folder and network-filesystem check, `backup` the
//! online backup, and `restore` checking a backup and swapping it in.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axial_core::{
    Account, Case, Change, ChangeSeq, ChangeSet, Code, CodeRelation, Coding, CodingId, ContentHash,
    Memo, MemoId, Project, ProjectId, Record, RecordId, RecordKind, Session, Set, Source, SourceId,
    User, UserId, Variable, VariableValue,
};
use axial_store::{
    CodingFilter, DatabaseDump, HistoryQuery, ProjectCounts, ProjectSnapshot, Store, StoreError,
};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Sqlite;
use tokio::sync::Mutex;

use axial_store::codec;
mod account;
mod backup;
mod error;
mod location;
pub mod migrate;
mod read;
mod restore;
mod table;
mod write;

pub use location::location_warning;
pub use restore::{ProjectHoldings, VerifyReport};

/// Tuning for [`SqliteStore::open_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a write waits for another process's write to finish before
    /// failing with `StoreError::Locked`.
    pub busy_timeout: Duration,
    /// Connections in the pool (readers, plus the one writing).
    pub max_connections: u32,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions {
            busy_timeout: Duration::from_secs(5),
            max_connections: 4,
        }
    }
}

/// A [`Store`] backed by one SQLite database.
pub struct SqliteStore {
    pool: SqlitePool,
    /// Serializes this process's write transactions (see the crate docs).
    write_gate: Mutex<()>,
    /// Decoded sources by id. A source is re-read whenever its version in the
    /// database differs, so the cache never serves a stale value; it only
    /// saves decoding unchanged rows (their layout JSON is large).
    sources_cache: std::sync::Mutex<std::collections::HashMap<SourceId, Source>>,
    path: Option<PathBuf>,
    /// How errors name the database: its path, or "the in-memory database".
    place: String,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) a database: a file path or a `sqlite:` URL
    /// (`sqlite:///abs/path`, `sqlite://rel/path`, `sqlite::memory:`). Runs
    /// the migrations; fails with `StoreError::NewerSchema` if the database's
    /// schema version is newer than this build knows.
    pub async fn open(location: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(location, SqliteOptions::default()).await
    }

    /// A fresh private in-memory database (for tests).
    pub async fn open_in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::open("sqlite::memory:").await
    }

    /// [`SqliteStore::open`] with explicit options.
    pub async fn open_with(
        location: &str,
        options: SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        let in_memory = is_memory(location);
        let connect = if location.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(location).map_err(|e| StoreError::Unavailable {
                detail: format!("'{location}' is not a SQLite location ({e}); give a file path or a sqlite: URL"),
            })?
        } else {
            SqliteConnectOptions::new().filename(location)
        };
        let path = (!in_memory).then(|| connect.get_filename().to_path_buf());
        let place = match &path {
            Some(p) => p.display().to_string(),
            None => "the in-memory database".to_string(),
        };
        let connect = connect
            .create_if_missing(true)
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .foreign_keys(true)
            // Deleted content (a withdrawn participant's transcript, the
            // originals of a pseudonymised one) is overwritten, not left in
            // free pages.
            .pragma("secure_delete", "ON")
            // Statement journals (every multi-row insert keeps one, holding
            // copies of the pages it changes) stay in memory instead of
            // spilling to a temporary file past 64 KiB: faster, and no copy
            // of erased content lands in a temporary file.
            .pragma("temp_store", "memory")
            // Each pooled connection keeps its own page cache, the same pages
            // over and over; in WAL mode it is dropped whenever another
            // connection has written, and the operating system caches the
            // file anyway. 512 KiB each instead of 2 MiB (a large commit
            // raises its own, see `write.rs`).
            .pragma("cache_size", "-512")
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(options.busy_timeout)
            .statement_cache_capacity(256);
        let pool = if in_memory {
            // The database lives as long as its one connection: keep it forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(options.max_connections.max(1))
        }
        .acquire_timeout(options.busy_timeout.max(Duration::from_secs(30)))
        // A local SQLite connection does not go stale like a network one; a
        // ping before every acquire would double the round trips to the
        // connection's worker thread for every read and every commit.
        .test_before_acquire(false)
        .connect_with(connect)
        .await
        .map_err(|e| error::map(e, &place))?;
        let store = SqliteStore {
            pool,
            write_gate: Mutex::new(()),
            sources_cache: Default::default(),
            path,
            place,
        };
        {
            let _gate = store.write_gate.lock().await;
            let mut conn = store.conn().await?;
            migrate::run(&mut conn)
                .await
                .map_err(|f| f.into_store(&store.place))?;
        }
        Ok(store)
    }

    /// Checks a database file (a backup) read-only: integrity, schema
    /// version, and what each project holds. Fails with `NewerSchema` for a
    /// file from a newer Axial and `Corrupt` for one that is not Axial's.
    pub async fn verify(path: &Path) -> Result<VerifyReport, StoreError> {
        restore::verify(path).await
    }

    /// Replaces the database file `target` with a copy of `with`, saving the
    /// current one to `previous` first; refuses with `Locked` while anything
    /// has `target` open. Returns whether a previous database was saved.
    pub async fn replace_database(
        target: &Path,
        with: &Path,
        previous: &Path,
    ) -> Result<bool, StoreError> {
        restore::replace(target, with, previous).await
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Closes every connection; later calls fail with `StoreError::Unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn conn(&self) -> Result<PoolConnection<Sqlite>, StoreError> {
        self.pool
            .acquire()
            .await
            .map_err(|e| error::map(e, &self.place))
    }

    fn fail(&self, f: error::Fault) -> StoreError {
        f.into_store(&self.place)
    }
}

fn is_memory(location: &str) -> bool {
    location.starts_with("sqlite:")
        && (location.contains(":memory:") || location.contains("mode=memory"))
}

/// Runs one read function on a pooled connection.
macro_rules! read {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {{
        let mut conn = $self.conn().await?;
        read::$f(&mut conn $(, $arg)*).await.map_err(|f| $self.fail(f))
    }};
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn close(&self) {
        // Fold the write-ahead log into the main file (best effort: another
        // process may still be reading), then close every connection.
        if let Ok(mut conn) = self.pool.acquire().await {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await;
        }
        self.pool.close().await;
    }

    async fn commit(&self, change: ChangeSet) -> Result<Change, StoreError> {
        let _gate = self.write_gate.lock().await;
        if write::is_one_insert(&change) {
            let mut conn = self.conn().await?;
            return write::commit_one_insert(&mut conn, &change)
                .await
                .map_err(|f| self.fail(f));
        }
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| error::map(e, &self.place))?;
        match write::commit(&mut tx, &change).await {
            Ok(done) => {
                tx.commit().await.map_err(|e| error::map(e, &self.place))?;
                Ok(done)
            }
            Err(f) => {
                // Dropping the transaction would roll back too; doing it here
                // returns the connection clean before the error is reported.
                let _ = tx.rollback().await;
                Err(self.fail(f))
            }
        }
    }

    async fn delete_project(&self, project: ProjectId, author: UserId) -> Result<(), StoreError> {
        let _gate = self.write_gate.lock().await;
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| error::map(e, &self.place))?;
        match write::delete_project(&mut tx, project, author).await {
            Ok(()) => tx.commit().await.map_err(|e| error::map(e, &self.place)),
            Err(f) => {
                let _ = tx.rollback().await;
                Err(self.fail(f))
            }
        }
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        read!(self, users())
    }
    async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        read!(self, projects())
    }
    async fn project(&self, id: ProjectId) -> Result<Project, StoreError> {
        read!(self, project(id))
    }
    async fn counts(&self, project: ProjectId) -> Result<ProjectCounts, StoreError> {
        read!(self, counts(project))
    }
    async fn sources(&self, project: ProjectId) -> Result<Vec<Source>, StoreError> {
        let mut conn = self.conn().await?;
        let stamps = read::source_versions(&mut conn, project)
            .await
            .map_err(|f| self.fail(f))?;
        let missing: Vec<SourceId> = {
            let cache = self
                .sources_cache
                .lock()
                .expect("sources cache lock is never poisoned");
            stamps
                .iter()
                .filter(|(id, v)| cache.get(id).is_none_or(|s| s.version != *v))
                .map(|(id, _)| *id)
                .collect()
        };
        let fetched = if missing.is_empty() {
            Vec::new()
        } else {
            read::sources_by_id(&mut conn, project, &missing)
                .await
                .map_err(|f| self.fail(f))?
        };
        let mut cache = self
            .sources_cache
            .lock()
            .expect("sources cache lock is never poisoned");
        for s in fetched {
            cache.insert(s.id, s);
        }
        Ok(stamps
            .iter()
            .filter_map(|(id, _)| cache.get(id).cloned())
            .collect())
    }
    async fn source(&self, id: SourceId) -> Result<Source, StoreError> {
        read!(self, source(id))
    }
    async fn text(&self, hash: ContentHash) -> Result<Arc<str>, StoreError> {
        read!(self, text(hash))
    }
    async fn cases(&self, project: ProjectId) -> Result<Vec<Case>, StoreError> {
        read!(self, cases(project))
    }
    async fn variables(&self, project: ProjectId) -> Result<Vec<Variable>, StoreError> {
        read!(self, variables(project))
    }
    async fn values(&self, project: ProjectId) -> Result<Vec<VariableValue>, StoreError> {
        read!(self, values(project))
    }
    async fn sets(&self, project: ProjectId) -> Result<Vec<Set>, StoreError> {
        read!(self, sets(project))
    }
    async fn codes(&self, project: ProjectId) -> Result<Vec<Code>, StoreError> {
        read!(self, codes(project))
    }
    async fn codings(
        &self,
        project: ProjectId,
        filter: &CodingFilter,
    ) -> Result<Vec<Coding>, StoreError> {
        read!(self, codings(project, filter))
    }
    async fn coding(&self, id: CodingId) -> Result<Coding, StoreError> {
        read!(self, coding(id))
    }
    async fn memos(&self, project: ProjectId) -> Result<Vec<Memo>, StoreError> {
        read!(self, memos(project))
    }
    async fn memo(&self, id: MemoId) -> Result<Memo, StoreError> {
        read!(self, memo(id))
    }
    async fn relations(&self, project: ProjectId) -> Result<Vec<CodeRelation>, StoreError> {
        read!(self, relations(project))
    }

    async fn records(
        &self,
        project: ProjectId,
        kind: Option<RecordKind>,
    ) -> Result<Vec<Record>, StoreError> {
        read!(self, records(project, kind))
    }
    async fn record(&self, id: RecordId) -> Result<Record, StoreError> {
        read!(self, record(id))
    }

    async fn snapshot(&self, project: ProjectId) -> Result<ProjectSnapshot, StoreError> {
        // A deferred transaction: in WAL mode its first read fixes the
        // snapshot every later read of it sees.
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| error::map(e, &self.place))?;
        let snapshot = read::snapshot(&mut tx, project)
            .await
            .map_err(|f| self.fail(f));
        let _ = tx.rollback().await;
        snapshot
    }

    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Change>, StoreError> {
        read!(self, history(query))
    }
    async fn change(&self, seq: ChangeSeq) -> Result<Change, StoreError> {
        read!(self, change(seq))
    }
    async fn undo_candidate(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<Change>, StoreError> {
        read!(self, undo_candidate(project, user))
    }
    async fn redo_candidate(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<Change>, StoreError> {
        read!(self, redo_candidate(project, user))
    }

    async fn account(&self, user: UserId) -> Result<Option<Account>, StoreError> {
        let mut conn = self.conn().await?;
        account::account(&mut conn, user)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let mut conn = self.conn().await?;
        account::accounts(&mut conn).await.map_err(|f| self.fail(f))
    }
    async fn text_hashes(&self) -> Result<Vec<ContentHash>, StoreError> {
        read!(self, text_hashes())
    }
    async fn log_after(&self, after: ChangeSeq, limit: u32) -> Result<Vec<Change>, StoreError> {
        read!(self, log_after(after, limit))
    }
    async fn load_dump(&self, dump: &DatabaseDump) -> Result<(), StoreError> {
        let _gate = self.write_gate.lock().await;
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| error::map(e, &self.place))?;
        match write::load_dump(&mut tx, dump).await {
            Ok(()) => tx.commit().await.map_err(|e| error::map(e, &self.place)),
            Err(f) => {
                let _ = tx.rollback().await;
                Err(self.fail(f))
            }
        }
    }
    async fn account_count(&self) -> Result<u64, StoreError> {
        let mut conn = self.conn().await?;
        account::account_count(&mut conn)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn put_account(&self, a: &Account) -> Result<(), StoreError> {
        let _gate = self.write_gate.lock().await;
        let mut conn = self.conn().await?;
        account::put_account(&mut conn, a)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let _gate = self.write_gate.lock().await;
        let mut conn = self.conn().await?;
        account::create_session(&mut conn, s)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        let mut conn = self.conn().await?;
        account::session(&mut conn, token_hash)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate.lock().await;
        let mut conn = self.conn().await?;
        account::delete_session(&mut conn, token_hash)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn delete_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        let _gate = self.write_gate.lock().await;
        let mut conn = self.conn().await?;
        account::delete_sessions(&mut conn, user)
            .await
            .map_err(|f| self.fail(f))
    }

    async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        backup::backup(&mut conn, path)
            .await
            .map_err(|f| self.fail(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axial_core::{Action, CaseId, Entity, Op, Version};

    #[test]
    fn memory_locations() {
        assert!(is_memory("sqlite::memory:"));
        assert!(is_memory("sqlite://?mode=memory"));
        assert!(!is_memory("sqlite:///tmp/a.db"));
        assert!(!is_memory("/tmp/:memory:.db"));
    }

    /// A lone insert commits in one execution with its own transaction: a
    /// failing one must leave nothing behind and no transaction open.
    #[tokio::test]
    async fn a_lone_insert_that_fails_leaves_the_connection_clean() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("one.db");
        let store = SqliteStore::open_with(
            &db.display().to_string(),
            SqliteOptions {
                max_connections: 1,
                ..SqliteOptions::default()
            },
        )
        .await
        .expect("open");
        let now = axial_core::now();
        let user = User {
            id: UserId::new(),
            name: "u".into(),
            display_name: "U".into(),
            created_at: now,
            version: Version::FIRST,
        };
        let project = Project {
            id: ProjectId::new(),
            name: "p".into(),
            description: String::new(),
            created_at: now,
            version: Version::FIRST,
        };
        let one = |action, e| {
            let mut cs = ChangeSet::new(Some(project.id), user.id, action, "t");
            cs.push(Op::insert(e));
            cs
        };
        let mut first = ChangeSet::new(None, user.id, Action::UserCreate, "user");
        first.push(Op::insert(Entity::User(user.clone())));
        store.commit(first).await.expect("user");
        let made = store
            .commit(one(Action::ProjectCreate, Entity::Project(project.clone())))
            .await
            .expect("project");
        let case = Case {
            id: CaseId::new(),
            project: project.id,
            name: "c".into(),
            description: String::new(),
            version: Version::FIRST,
        };
        let logged = store
            .commit(one(Action::CaseCreate, Entity::Case(case.clone())))
            .await
            .expect("case");
        assert_eq!(
            logged.seq.0,
            made.seq.0 + 1,
            "the log entry's number comes back"
        );
        // The same id again: refused, worded as for any insert.
        let same_id = Case {
            name: "c again".into(),
            ..case.clone()
        };
        let again = store
            .commit(one(Action::CaseCreate, Entity::Case(same_id)))
            .await;
        assert!(
            matches!(again, Err(StoreError::AlreadyExists { .. })),
            "{again:?}"
        );
        // A missing reference: refused, nothing left behind.
        let orphan = Case {
            id: CaseId::new(),
            project: ProjectId::new(),
            ..case.clone()
        };
        let err = store
            .commit(one(Action::CaseCreate, Entity::Case(orphan)))
            .await;
        assert!(matches!(err, Err(StoreError::Constraint { .. })), "{err:?}");
        // The one connection is usable and outside any transaction: the next
        // commit (which begins its own) works and only it is logged.
        let next = Case {
            id: CaseId::new(),
            name: "d".into(),
            ..case
        };
        let after = store
            .commit(one(Action::CaseCreate, Entity::Case(next)))
            .await
            .expect("the next commit works");
        assert_eq!(
            after.seq.0,
            logged.seq.0 + 1,
            "failed commits logged nothing"
        );
        assert_eq!(store.cases(project.id).await.expect("cases").len(), 2);
    }
}
