//! Checking a backup file and putting it in place of a database.
//!
//! [`verify`] opens a file read-only (as immutable: it takes no lock and
//! writes nothing beside it), runs `PRAGMA integrity_check`, reads the
//! schema version and counts what each project holds, without migrating or
//! decoding rows, so an older backup can be inspected too.
//!
//! [`replace`] swaps a database file for another one: it first takes the
//! target's lock in exclusive mode (which fails at once while any other
//! connection, in this process or another, has the database open), folds the
//! write-ahead log in and leaves WAL mode, copies the current database
//! aside with the online backup API, then copies the new file to a temporary
//! file beside the target, syncs it, renames it over the target and syncs
//! the folder. Leftover `-wal`/`-shm` files of the old database are removed
//! before the lock is released, so they can never be applied to the new one.
//! A target SQLite cannot read at all (damaged: the usual reason to
//! restore) is copied aside byte for byte instead, without a lock.
//!
//! It does not decide where backups go or which file to restore: that is
//! the caller's policy (`axial-app`'s backup folder, the CLI's flags).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axial_core::{ProjectId, Timestamp};
use axial_store::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, Row};

use crate::error::{self, Fault};

/// What a database file holds, as far as a restore needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// The lines of `PRAGMA integrity_check`: exactly `["ok"]` when sound.
    pub integrity: Vec<String>,
    /// The highest migration recorded in the file.
    pub schema_version: i64,
    /// The newest schema this build knows.
    pub latest_schema: i64,
    pub projects: Vec<ProjectHoldings>,
    /// The newest entry of the change log (any project), if there is one.
    pub last_change: Option<Timestamp>,
}

impl VerifyReport {
    /// Whether the integrity check passed.
    pub fn is_sound(&self) -> bool {
        self.integrity.len() == 1 && self.integrity[0] == "ok"
    }
}

/// One project of a verified file with its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectHoldings {
    pub id: ProjectId,
    pub name: String,
    pub sources: u64,
    pub cases: u64,
    pub codes: u64,
    pub codings: u64,
    pub memos: u64,
    pub changes: u64,
    pub last_change: Option<Timestamp>,
}

fn place(path: &Path) -> String {
    path.display().to_string()
}

fn unavailable(path: &Path, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable {
        detail: format!("{what} {}: {e}", path.display()),
    }
}

fn instant(micros: i64) -> Option<Timestamp> {
    Timestamp::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()
}

/// Checks a database file without changing it (see the module docs).
pub async fn verify(path: &Path) -> Result<VerifyReport, StoreError> {
    let meta = std::fs::metadata(path).map_err(|e| unavailable(path, "cannot read", e))?;
    if !meta.is_file() {
        return Err(StoreError::Unavailable {
            detail: format!("{} is not a file", path.display()),
        });
    }
    let at = place(path);
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .map_err(|e| error::map(e, &at))?;
    let report = inspect(&mut conn, path, meta.len())
        .await
        .map_err(|f| f.into_store(&at));
    let _ = conn.close().await;
    report
}

async fn inspect(
    conn: &mut SqliteConnection,
    path: &Path,
    bytes: u64,
) -> Result<VerifyReport, Fault> {
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    let mut report = VerifyReport {
        path: path.to_path_buf(),
        bytes,
        integrity,
        schema_version: 0,
        latest_schema: crate::migrate::latest(),
        projects: Vec::new(),
        last_change: None,
    };
    if !report.is_sound() {
        return Ok(report);
    }
    let has_schema: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if has_schema == 0 {
        return Err(StoreError::Corrupt {
            detail: format!(
                "{} is a SQLite database but not an Axial one (it has no schema_migrations table)",
                path.display()
            ),
        }
        .into());
    }
    report.schema_version =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&mut *conn)
            .await?;
    if report.schema_version > report.latest_schema {
        return Err(StoreError::NewerSchema {
            found: report.schema_version,
            supported: report.latest_schema,
        }
        .into());
    }
    // Only tables and columns of schema version 1, so older files read too.
    let rows = sqlx::query(
        "SELECT p.id, p.name, \
            (SELECT COUNT(*) FROM sources WHERE project = p.id), \
            (SELECT COUNT(*) FROM cases WHERE project = p.id), \
            (SELECT COUNT(*) FROM codes WHERE project = p.id), \
            (SELECT COUNT(*) FROM codings WHERE project = p.id), \
            (SELECT COUNT(*) FROM memos WHERE project = p.id), \
            (SELECT COUNT(*) FROM changes WHERE project = p.id), \
            (SELECT MAX(at) FROM changes WHERE project = p.id) \
         FROM projects p ORDER BY p.name, p.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    for row in rows {
        let id: String = row.try_get(0)?;
        let id = id
            .parse::<ProjectId>()
            .map_err(|e| Fault::from(error::corrupt("projects", &id, format!("column id: {e}"))))?;
        report.projects.push(ProjectHoldings {
            id,
            name: row.try_get(1)?,
            sources: n(row.try_get(2)?),
            cases: n(row.try_get(3)?),
            codes: n(row.try_get(4)?),
            codings: n(row.try_get(5)?),
            memos: n(row.try_get(6)?),
            changes: n(row.try_get(7)?),
            last_change: row.try_get::<Option<i64>, _>(8)?.and_then(instant),
        });
    }
    report.last_change = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(at) FROM changes")
        .fetch_one(&mut *conn)
        .await?
        .and_then(instant);
    Ok(report)
}

/// Replaces the database at `target` with a copy of `with`, after copying
/// the current database to `previous` (see the module docs). Fails with
/// [`StoreError::Locked`] while anything else has `target` open, and leaves
/// `target` untouched on every failure before the final rename. A missing
/// `target` is simply created (and nothing is copied to `previous`).
/// Returns whether a previous database was saved.
pub async fn replace(target: &Path, with: &Path, previous: &Path) -> Result<bool, StoreError> {
    let at = place(target);
    if !target.exists() {
        install(target, with)?;
        return Ok(false);
    }
    let conn = SqliteConnectOptions::new()
        .filename(target)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO)
        .connect()
        .await
        .map_err(|e| error::map(e, &at));
    let outcome = match conn {
        Ok(mut conn) => {
            let outcome = replace_locked(&mut conn, target, with, previous).await;
            let _ = conn.close().await;
            outcome
        }
        Err(e) => Err(e),
    };
    match outcome {
        // The database itself is damaged (the usual reason to restore):
        // SQLite cannot lock or read it, so it is copied aside as it is.
        Err(StoreError::Corrupt { .. }) => {
            if let Some(dir) = previous.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| unavailable(dir, "cannot create the backup folder", e))?;
            }
            std::fs::copy(target, previous)
                .map_err(|e| unavailable(previous, "cannot save the damaged database as", e))?;
            install(target, with)?;
            remove_side_files(target)?;
            Ok(true)
        }
        other => other,
    }
}

/// Removes the `-wal`, `-shm` and `-journal` files of the database that was
/// replaced, so they are never applied to the new one.
fn remove_side_files(target: &Path) -> Result<(), StoreError> {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| unavailable(&side, "cannot remove", e))?;
        }
    }
    Ok(())
}

async fn replace_locked(
    conn: &mut SqliteConnection,
    target: &Path,
    with: &Path,
    previous: &Path,
) -> Result<bool, StoreError> {
    let at = place(target);
    let held_elsewhere = |e: sqlx::Error| {
        match error::map(e, &at) {
        StoreError::Locked { .. } => StoreError::Locked {
            detail: format!(
                "{at} is open in another program (an `axial serve`, another axial command, or a SQLite tool); \
                 stop it, then restore again"
            ),
        },
        other => other,
    }
    };
    // In exclusive locking mode the lock taken here is kept until the
    // connection closes.
    sqlx::raw_sql("BEGIN EXCLUSIVE; COMMIT;")
        .execute(&mut *conn)
        .await
        .map_err(held_elsewhere)?;
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .execute(&mut *conn)
        .await
        .map_err(held_elsewhere)?;
    if let Some(dir) = previous.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| unavailable(dir, "cannot create the backup folder", e))?;
    }
    crate::backup::backup(conn, previous)
        .await
        .map_err(|f| f.into_store(&at))?;
    install(target, with)?;
    remove_side_files(target)?;
    Ok(true)
}

/// Copies `with` to a temporary file beside `target`, syncs it, renames it
/// over `target` and syncs the folder.
fn install(target: &Path, with: &Path) -> Result<(), StoreError> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "axial.db".into());
    let tmp = dir.join(format!(".{name}.restoring"));
    let copy = || -> std::io::Result<()> {
        let mut src = std::fs::File::open(with)?;
        let mut dst = std::fs::File::create(&tmp)?;
        std::io::copy(&mut src, &mut dst)?;
        dst.flush()?;
        dst.sync_all()?;
        Ok(())
    };
    if let Err(e) = copy() {
        let _ = std::fs::remove_file(&tmp);
        return Err(unavailable(
            &tmp,
            &format!("cannot copy {} to", with.display()),
            e,
        ));
    }
    if let Err(e) = std::fs::rename(&tmp, target) {
        let _ = std::fs::remove_file(&tmp);
        return Err(unavailable(target, "cannot replace", e));
    }
    // Makes the rename itself durable (best effort where folders cannot be opened).
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
