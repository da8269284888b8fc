//! `axial backup`, `axial backup list`, `axial backup purge
//! --before-erasure` and `axial restore`: copies of a SQLite database in
//! its backup folder, deleting the ones that still hold what a withdrawal
//! or pseudonymisation erased, and putting one back after checking it. The
//! folder policy is `axial_app::backup`; checking a file and swapping it in
//! is the SQLite backend's (`SqliteStore::verify`,
//! `SqliteStore::replace_database`). These commands run before the database
//! is opened for work, so they take no automatic backup of their own.
//! [`warn_after_erasure`] is the warning the erasing commands print.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use axial_app::backup::{BackupFile, BackupFolder, Erasure, BEFORE_RESTORE, PURGE_COMMAND};
use axial_app::App;
use axial_store::StoreError;
use axial_store_sqlite::{SqliteStore, VerifyReport};
use clap::{Args, Subcommand};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::output::{self, table};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    /// Write the backup to this file (default: <db dir>/<db name>.backups/<name>-YYYYMMDD-HHMMSS.db)
    #[arg(long)]
    pub to: Option<PathBuf>,
    #[command(subcommand)]
    pub cmd: Option<BackupCmd>,
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// List the backups in the database's backup folder, newest first
    List,
    /// Delete backups that still hold erased data (takes a fresh backup first)
    Purge {
        /// Delete every backup older than the newest withdrawal or
        /// pseudonymisation (of any project): they still hold what it erased
        #[arg(long)]
        before_erasure: bool,
    },
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to put in place of the database
    pub backup: PathBuf,
    /// Replace the database without asking (the current one is saved first)
    #[arg(long)]
    pub yes: bool,
}

fn stamp(t: axial_core::Timestamp) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn file_json(b: &BackupFile) -> serde_json::Value {
    json!({
        "path": b.path.display().to_string(),
        "taken_at": stamp(b.taken_at),
        "bytes": b.bytes,
        "before_restore": b.before_restore,
    })
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.0} KiB", (bytes as f64 / 1024.0).ceil())
    }
}

/// The SQLite file the command is about (PostgreSQL is refused with advice).
fn sqlite_file(db: Option<&str>, what: &str) -> anyhow::Result<PathBuf> {
    let path = crate::db::sqlite_path(db).ok_or_else(|| {
        anyhow!(
            "{what} works on SQLite database files; back up a PostgreSQL database with pg_dump and restore it with pg_restore"
        )
    })?;
    Ok(path)
}

/// `axial backup [--to FILE]`, `axial backup list` and `axial backup purge`.
pub async fn backup(db: Option<&str>, a: &BackupArgs, json: bool) -> anyhow::Result<()> {
    match a.cmd {
        Some(BackupCmd::List) => return list(db, json).await,
        Some(BackupCmd::Purge { before_erasure }) => return purge(db, before_erasure, json).await,
        None => {}
    }
    let loc = crate::db::location(db);
    if let Some(path) = crate::db::sqlite_path(db) {
        if !path.exists() {
            bail!(
                "there is no database at {}; nothing to back up (give the right one with --db)",
                path.display()
            );
        }
    }
    let store = crate::db::open(db).await?;
    let app = App::new(store);
    let done = match (&a.to, crate::db::sqlite_path(db)) {
        (Some(to), _) => app.backup_to_file(to).await,
        (None, Some(path)) => app.backup_into(&BackupFolder::of(&path)).await,
        (None, None) => Err(axial_app::backup::BackupError::Store(
            StoreError::Unsupported {
                backend: app.store().backend(),
                what: "write a backup file (use the server's own backup tools, e.g. pg_dump)"
                    .into(),
            },
        )),
    };
    app.store().close().await;
    let b = done.with_context(|| format!("cannot back up {loc}"))?;
    if json {
        output::json(&file_json(&b))?;
    } else {
        println!(
            "backed up {loc} to {} ({})",
            b.path.display(),
            size(b.bytes)
        );
    }
    Ok(())
}

/// The newest erasure in the database at `path`, if it exists (it is not
/// created).
async fn newest_erasure(db: Option<&str>, path: &Path) -> anyhow::Result<Option<Erasure>> {
    if !path.exists() {
        return Ok(None);
    }
    let app = App::new(crate::db::open(db).await?);
    let found = app.newest_erasure().await;
    app.store().close().await;
    found.with_context(|| format!("cannot read the change log of {}", path.display()))
}

fn erasure_json(e: &Erasure) -> serde_json::Value {
    json!({
        "seq": e.seq.0,
        "at": stamp(e.at),
        "action": e.action.to_string(),
        "summary": e.summary,
    })
}

async fn list(db: Option<&str>, json: bool) -> anyhow::Result<()> {
    let path = sqlite_file(db, "`axial backup list`")?;
    let folder = BackupFolder::of(&path);
    let files = folder.list()?;
    let erasure = newest_erasure(db, &path).await.unwrap_or_else(|e| {
        eprintln!("warning: {e:#}; backups that hold erased data are not marked");
        None
    });
    let stale = |b: &BackupFile| erasure.as_ref().is_some_and(|e| b.predates(e.at));
    if json {
        return output::json(
            &files
                .iter()
                .map(|b| {
                    let mut v = file_json(b);
                    v["before_erasure"] = stale(b).into();
                    v
                })
                .collect::<Vec<_>>(),
        );
    }
    if files.is_empty() {
        println!(
            "no backups of {} yet (they go to {}); take one with `axial backup`",
            path.display(),
            folder.dir.display()
        );
        return Ok(());
    }
    let rows: Vec<Vec<String>> = files
        .iter()
        .map(|b| {
            vec![
                stamp(b.taken_at),
                size(b.bytes),
                b.path.display().to_string(),
                [
                    b.before_restore.then_some("saved before a restore"),
                    stale(b).then_some("HOLDS ERASED DATA"),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; "),
            ]
        })
        .collect();
    table(&["TAKEN", "SIZE", "FILE", "NOTE"], &rows);
    let n = files.iter().filter(|b| stale(b)).count();
    if let (Some(e), true) = (&erasure, n > 0) {
        let (which, hold, them) = if n == 1 {
            ("1 of these backups was".to_string(), "holds", "it")
        } else {
            (format!("{n} of these backups were"), "hold", "them")
        };
        eprintln!(
            "\nwarning: {which} taken before the erasure '{}' ({}) and still {hold} the erased data; delete {them} with `{PURGE_COMMAND}`",
            e.summary,
            stamp(e.at)
        );
    }
    Ok(())
}

/// `axial backup purge --before-erasure`.
async fn purge(db: Option<&str>, before_erasure: bool, json: bool) -> anyhow::Result<()> {
    if !before_erasure {
        bail!("say which backups to delete: `{PURGE_COMMAND}` deletes those older than the newest withdrawal or pseudonymisation");
    }
    let path = sqlite_file(db, "`axial backup purge`")?;
    if !path.exists() {
        bail!(
            "there is no database at {}; give the right one with --db",
            path.display()
        );
    }
    let folder = BackupFolder::of(&path);
    let app = App::new(crate::db::open(db).await?);
    let done = app.purge_backups_before_erasure(&folder).await;
    app.store().close().await;
    let done =
        done.with_context(|| format!("cannot purge the backups in {}", folder.dir.display()))?;
    if json {
        return output::json(&json!({
            "erasure": done.erasure.as_ref().map(erasure_json),
            "backup": done.fresh.as_ref().map(file_json),
            "deleted": done.deleted.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        }));
    }
    let (Some(erasure), Some(fresh)) = (&done.erasure, &done.fresh) else {
        println!(
            "nothing to purge: {} holds no withdrawal or pseudonymisation, so no backup holds erased data",
            path.display()
        );
        return Ok(());
    };
    println!(
        "backed up {} to {} ({})",
        path.display(),
        fresh.path.display(),
        size(fresh.bytes)
    );
    if done.deleted.is_empty() {
        println!(
            "no backup in {} is older than the erasure '{}' ({}); nothing deleted",
            folder.dir.display(),
            erasure.summary,
            stamp(erasure.at)
        );
    } else {
        let n = done.deleted.len();
        println!(
            "deleted {n} {} taken before the erasure '{}' ({}):",
            if n == 1 { "backup" } else { "backups" },
            erasure.summary,
            stamp(erasure.at)
        );
        for p in &done.deleted {
            println!("  {}", p.display());
        }
    }
    println!("copies made elsewhere (`axial backup --to`, other disks) are not tracked: delete those by hand");
    Ok(())
}

/// The app with the backup folder of its database set, when it is a
/// SQLite file (so erasures can tell which backups hold what they erased).
pub fn with_backup_folder(app: App, db: Option<&str>) -> App {
    match crate::db::sqlite_path(db) {
        Some(path) => app.with_backup_folder(BackupFolder::of(&path)),
        None => app,
    }
}

/// After a withdrawal or a pseudonymisation: warns on stderr, listing
/// them, about backups taken before it that still hold what it erased.
pub async fn warn_after_erasure(app: &App) {
    match app.backups_before_erasure().await {
        Ok(None) => {}
        Ok(Some(b)) => {
            eprintln!("\nwarning: {}", b.advice());
            for f in &b.backups {
                eprintln!("  {}", f.path.display());
            }
        }
        Err(e) => eprintln!(
            "\nwarning: could not check this database's backups for the erased data ({e}); look in its backup folder and run `{PURGE_COMMAND}`"
        ),
    }
}

fn report_json(r: &VerifyReport) -> serde_json::Value {
    json!({
        "path": r.path.display().to_string(),
        "bytes": r.bytes,
        "integrity": r.integrity,
        "schema_version": r.schema_version,
        "last_change": r.last_change.map(stamp),
        "projects": r.projects.iter().map(|p| json!({
            "id": p.id.to_string(),
            "name": p.name,
            "sources": p.sources,
            "cases": p.cases,
            "codes": p.codes,
            "codings": p.codings,
            "memos": p.memos,
            "changes": p.changes,
            "last_change": p.last_change.map(stamp),
        })).collect::<Vec<_>>(),
    })
}

fn print_report(r: &VerifyReport) {
    println!(
        "{} ({}, schema version {}): integrity check ok",
        r.path.display(),
        size(r.bytes),
        r.schema_version
    );
    if r.projects.is_empty() {
        println!("it holds no projects");
    }
    let rows: Vec<Vec<String>> = r
        .projects
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.sources.to_string(),
                p.codes.to_string(),
                p.codings.to_string(),
                p.memos.to_string(),
                p.changes.to_string(),
                p.last_change.map(stamp).unwrap_or_default(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        table(
            &[
                "PROJECT",
                "SOURCES",
                "CODES",
                "CODINGS",
                "MEMOS",
                "CHANGES",
                "LAST CHANGE",
            ],
            &rows,
        );
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Asks on the terminal; `false` unless the answer starts with y.
fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim().to_lowercase().starts_with('y'))
}

/// `axial restore BACKUP [--yes]`.
pub async fn restore(db: Option<&str>, a: &RestoreArgs, json: bool) -> anyhow::Result<ExitCode> {
    let target = sqlite_file(db, "`axial restore`")?;
    if !a.backup.is_file() {
        bail!(
            "there is no backup file {}; list the backups with `axial backup list`",
            a.backup.display()
        );
    }
    if same_file(&a.backup, &target) {
        bail!(
            "{} is the database itself; name a backup file (see `axial backup list`)",
            a.backup.display()
        );
    }
    let refused = |why: String| {
        anyhow!(
            "{} cannot be restored: {why}; nothing was changed",
            a.backup.display()
        )
    };
    let report = SqliteStore::verify(&a.backup).await.map_err(|e| match e {
        StoreError::Corrupt { detail } => refused(detail),
        other => refused(other.to_string()),
    })?;
    if !report.is_sound() {
        let lines: Vec<&str> = report
            .integrity
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        return Err(refused(format!(
            "it fails SQLite's integrity check ({})",
            lines.join("; ")
        )));
    }
    if !json {
        print_report(&report);
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "add --yes to replace {} with this backup (the current database is saved in its backup folder first)",
                target.display()
            );
        }
        if !confirm(&format!(
            "replace {} with this backup? the current database is saved first",
            target.display()
        ))? {
            eprintln!("nothing was changed");
            return Ok(ExitCode::from(1));
        }
    }
    let previous = BackupFolder::of(&target).new_file(axial_core::now(), Some(BEFORE_RESTORE));
    let saved = SqliteStore::replace_database(&target, &a.backup, &previous)
        .await
        .map_err(|e| match e {
            StoreError::Locked { detail } => {
                anyhow!("cannot restore now: {detail}; nothing was changed")
            }
            other => anyhow!(other).context(format!(
                "restoring {} into {} failed",
                a.backup.display(),
                target.display()
            )),
        })?;
    if json {
        output::json(&json!({
            "database": target.display().to_string(),
            "restored_from": report_json(&report),
            "previous": saved.then(|| previous.display().to_string()),
        }))?;
    } else if saved {
        println!(
            "restored {} from {}; the database as it was is saved as {} (restore that file to undo)",
            target.display(),
            a.backup.display(),
            previous.display()
        );
    } else {
        println!(
            "restored {} from {} (there was no database there before)",
            target.display(),
            a.backup.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
