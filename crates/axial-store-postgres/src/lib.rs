//! The PostgreSQL backend of Axial's [`Store`]: one database on a server
//! (PostgreSQL 15 or newer) holding any number of projects, shared by every
//! coder of a team and by any number of Axial processes.
//!
//! # How it is used
//! [`PgStore::connect`] takes a `postgres://` URL, opens one connection right
//! away (so an unreachable server or a wrong password is reported at once as
//! `StoreError::Unavailable` naming host and port), runs the numbered
//! migrations in `migrations/` (see [`migrate`]; a database written by a
//! newer Axial is refused with `StoreError::NewerSchema`) and then serves
//! every call from a bounded connection pool ([`PgOptions`]).
//!
//! # Concurrency
//! Every commit is one READ COMMITTED transaction whose preconditions are
//! enforced by the database itself (primary keys, unique indexes, foreign
//! keys, and `UPDATE … WHERE id = $1 AND version = $2`, which waits for a
//! concurrent writer of the same row and then re-checks the version), so two
//! processes making stale edits of one thing get exactly one success and one
//! `Conflict`, and nothing is lost. Change numbers are handed out in commit
//! order (see [`write`](crate::write)'s docs). A commit that PostgreSQL
//! aborts as a deadlock or serialization failure is run again, a few times,
//! before its error is returned. [`Store::snapshot`] reads in one REPEATABLE
//! READ, READ ONLY transaction.
//!
//! # What it does not do
//! It holds no use-case logic: which ops an undo, a merge or an import
//! consists of is decided in `axial-app`; this crate checks each op's
//! precondition, persists it and answers queries, with the same results and
//! errors as the SQLite backend. It does not create the database or the
//! server (`scripts/pg.sh` starts a throwaway cluster for tests), and knows
//! nothing of HTTP, live notifications or file formats.
//!
//! # Layout
//! `table` maps entities onto tables (columns, encoding, private `…Row`
//! types), `write` applies change sets, `read` holds the queries, `codec`
//! the column encodings and `error` the mapping of PostgreSQL errors.

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
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres};

use axial_store::codec;
mod account;
pub mod admin;
mod error;
pub mod migrate;
mod read;
mod table;
mod write;

/// Tuning for [`PgStore::connect_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Most connections this process holds open to the server.
    pub max_connections: u32,
    /// How long a call waits for a pooled connection (including opening a
    /// new one) before failing with `StoreError::Unavailable`.
    pub acquire_timeout: Duration,
    /// How long [`PgStore::connect_with`] waits for the server to answer.
    pub connect_timeout: Duration,
    /// How many times a commit aborted by a deadlock or serialization failure
    /// is run again before its error is returned.
    pub retries: u32,
}

impl Default for PgOptions {
    fn default() -> PgOptions {
        PgOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retries: 4,
        }
    }
}

/// Wake-up callbacks registered through [`Store::subscribe`].
type Wakers = Arc<std::sync::Mutex<Vec<Arc<dyn Fn() + Send + Sync>>>>;

/// The NOTIFY channel every commit signals on (payload: its sequence number).
pub(crate) const CHANGES_CHANNEL: &str = "axial_changes";

/// A [`Store`] backed by one PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    /// Wake-up callbacks of [`Store::subscribe`], fed by one LISTEN task.
    listeners: Wakers,
    listening: std::sync::atomic::AtomicBool,
    retries: u32,
    /// How errors name the database: "PostgreSQL at host:port, database d".
    place: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database named by a `postgres://` (or
    /// `postgresql://`) URL and brings its schema up to date. Fails with
    /// `StoreError::Unavailable` naming host and port when the server cannot
    /// be reached or refuses the login, and with `StoreError::NewerSchema`
    /// if the database was written by a newer Axial.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        PgStore::connect_with(url, PgOptions::default()).await
    }

    /// [`PgStore::connect`] with explicit options.
    pub async fn connect_with(url: &str, options: PgOptions) -> Result<PgStore, StoreError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or(url);
            return Err(StoreError::Unavailable {
                detail: format!(
                    "'{scheme}:' is not a PostgreSQL database URL; write it as postgres://user@host:port/database"
                ),
            });
        }
        let connect = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable {
            detail: format!(
                "the database URL is not a PostgreSQL URL ({e}); write it as postgres://user@host:port/database"
            ),
        })?;
        let place = place_of(&connect);
        let mut first = match tokio::time::timeout(
            options.connect_timeout,
            PgConnection::connect_with(&connect),
        )
        .await
        {
            Ok(conn) => conn.map_err(|e| error::map(e, &place))?,
            Err(_) => {
                return Err(StoreError::Unavailable {
                    detail: format!(
                        "{place} did not answer within {} s; check that the server is running and reachable",
                        options.connect_timeout.as_secs_f32()
                    ),
                })
            }
        };
        let migrated = migrate::run(&mut first).await;
        let _ = first.close().await;
        migrated.map_err(|f| f.into_store(&place))?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_lazy_with(connect);
        Ok(PgStore {
            pool,
            listeners: Default::default(),
            listening: Default::default(),
            retries: options.retries,
            place,
        })
    }

    /// How errors name this database ("PostgreSQL at host:port, database d").
    pub fn place(&self) -> &str {
        &self.place
    }

    /// Closes every connection; later calls fail with `StoreError::Unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn conn(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        self.pool
            .acquire()
            .await
            .map_err(|e| error::map(e, &self.place))
    }

    fn fail(&self, f: error::Fault) -> StoreError {
        f.into_store(&self.place)
    }
}

/// Listens for commit notifications and wakes every subscriber; after a
/// lost connection it reconnects with a growing pause (up to 5 s) and wakes
/// everyone once it is back, since notifications sent meanwhile are lost.
async fn listen(pool: PgPool, listeners: Wakers) {
    let wake_all = || {
        let all = listeners
            .lock()
            .expect("listener list lock is never poisoned")
            .clone();
        for w in all {
            w();
        }
    };
    let mut pause = Duration::from_millis(100);
    loop {
        if pool.is_closed() {
            return;
        }
        let listener = async {
            let mut l = sqlx::postgres::PgListener::connect_with(&pool).await?;
            l.listen(CHANGES_CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        }
        .await;
        match listener {
            Ok(mut l) => {
                pause = Duration::from_millis(100);
                wake_all();
                while let Ok(Some(_)) = l.try_recv().await {
                    wake_all();
                }
                if pool.is_closed() {
                    return;
                }
            }
            Err(e) => {
                tracing_free_log(&e);
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// The crate has no logger; a lost listener is not an error anyone must act
/// on (the server polls as a fallback), so it is only noted on stderr when
/// `AXIAL_DEBUG` is set.
fn tracing_free_log(e: &sqlx::Error) {
    if std::env::var_os("AXIAL_DEBUG").is_some() {
        eprintln!("axial: change notifications unavailable for now: {e}");
    }
}

fn place_of(connect: &PgConnectOptions) -> String {
    let database = connect.get_database().unwrap_or(connect.get_username());
    match connect.get_socket() {
        Some(socket) => format!(
            "PostgreSQL at {} (port {}), database {database}",
            socket.display(),
            connect.get_port()
        ),
        None => format!(
            "PostgreSQL at {}:{}, database {database}",
            connect.get_host(),
            connect.get_port()
        ),
    }
}

/// Runs one read function on a pooled connection.
macro_rules! read {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {{
        let mut conn = $self.conn().await?;
        read::$f(&mut conn $(, $arg)*).await.map_err(|f| $self.fail(f))
    }};
}

/// Runs `write::$f(tx, args…)` in a write transaction, committing on
/// success and running it again after a retryable abort.
macro_rules! in_write_tx {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {{
        let mut attempt = 0;
        loop {
            let mut tx = $self.pool.begin().await.map_err(|e| error::map(e, &$self.place))?;
            let fault = match write::$f(&mut tx $(, $arg)*).await {
                Ok(done) => match tx.commit().await {
                    Ok(()) => break Ok(done),
                    Err(e) => error::Fault::from(e),
                },
                Err(f) => {
                    // Dropping the transaction would roll back too; doing it
                    // here returns the connection clean before reporting.
                    let _ = tx.rollback().await;
                    f
                }
            };
            if !fault.is_retryable() || attempt >= $self.retries {
                break Err($self.fail(fault));
            }
            attempt += 1;
        }
    }};
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn commit(&self, change: ChangeSet) -> Result<Change, StoreError> {
        in_write_tx!(self, commit(&change))
    }

    async fn delete_project(&self, project: ProjectId, author: UserId) -> Result<(), StoreError> {
        in_write_tx!(self, delete_project(project, author))
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
        read!(self, sources(project))
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
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
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
        let mut tx = self
            .pool
            .begin()
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
    fn subscribe(&self, wake: Arc<dyn Fn() + Send + Sync>) -> bool {
        self.listeners
            .lock()
            .expect("listener list lock is never poisoned")
            .push(wake);
        if !self
            .listening
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            tokio::spawn(listen(self.pool.clone(), self.listeners.clone()));
        }
        true
    }

    async fn account_count(&self) -> Result<u64, StoreError> {
        let mut conn = self.conn().await?;
        account::account_count(&mut conn)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn put_account(&self, a: &Account) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        account::put_account(&mut conn, a)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
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
        let mut conn = self.conn().await?;
        account::delete_session(&mut conn, token_hash)
            .await
            .map_err(|f| self.fail(f))
    }
    async fn delete_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        let mut conn = self.conn().await?;
        account::delete_sessions(&mut conn, user)
            .await
            .map_err(|f| self.fail(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, want: &str) {
        let connect = PgConnectOptions::from_str(url).expect("a valid URL");
        assert_eq!(place_of(&connect), want);
    }

    #[test]
    fn errors_name_host_port_and_database_but_not_the_password() {
        check(
            "postgres://ana:secret@db.example:5433/study",
            "PostgreSQL at db.example:5433, database study",
        );
        check(
            "postgres://ana@127.0.0.1/team",
            "PostgreSQL at 127.0.0.1:5432, database team",
        );
    }

    #[tokio::test]
    async fn a_url_of_another_kind_is_refused_with_advice() {
        match PgStore::connect("mysql://x@localhost/db").await {
            Err(StoreError::Unavailable { detail }) => {
                assert!(detail.contains("postgres://"), "{detail}")
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
}
