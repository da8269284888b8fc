//! Backups of the database: where they go, what counts as due, and how
//! many are kept.
//!
//! A database `…/study.db` keeps its backups in the folder
//! `…/study.db.backups/`, one file per backup named by its UTC time,
//! `study-20240501-093000.db` (a second backup in the same second gets
//! `-2`, and the copy saved before a restore ends `-before-restore.db`).
//! [`App::auto_backup`] takes one when the database holds projects and its
//! newest backup is a day old or there is none, then keeps the newest N.
//!
//! An erasure (a withdrawal or a pseudonymisation, the irreversible
//! actions) removes data from the database, not from backups taken before
//! it. [`App::backups_before_erasure`] lists the backups older than the
//! newest erasure, for the front ends to warn about after one, and
//! [`App::purge_backups_before_erasure`] takes a fresh backup and deletes
//! them. Both only know the backup folder: copies written elsewhere
//! (`--to`) are the user's to delete.
//!
//! The copy itself is the store's online backup (`Store::backup_to`), so it
//! is consistent while others write. Stores without one (PostgreSQL) are
//! skipped by the automatic backup and refused by an explicit one with the
//! store's own advice. Verifying and restoring a file needs the SQLite
//! backend itself and lives with the front end that wires it (the CLI).

use std::path::{Path, PathBuf};

use axial_core::{Action, ChangeSeq, Timestamp};
use axial_store::{HistoryQuery, StoreError};

use crate::App;

/// How many backups the automatic backup keeps unless told otherwise.
pub const DEFAULT_KEEP: usize = 7;

/// How old the newest backup may be before the automatic backup takes another.
pub const AUTO_BACKUP_AFTER: time::Duration = time::Duration::DAY;

/// The suffix of the copy of a database saved just before a restore replaced it.
pub const BEFORE_RESTORE: &str = "before-restore";

/// Why a backup could not be taken, listed or pruned.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot {action} {}: {source}; check that the folder exists and that you may write to it", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> BackupError + 'a {
    move |source| BackupError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// One backup file in a backup folder.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupFile {
    pub path: PathBuf,
    /// When it was taken (from its name; its modification time otherwise).
    pub taken_at: Timestamp,
    pub bytes: u64,
    /// Whether it is the copy saved just before a restore.
    pub before_restore: bool,
    /// The exact time the copy started, when the file records it: Axial
    /// sets a backup's modification time to it, and a modification time
    /// within the second of the name is taken as such.
    pub started_at: Option<Timestamp>,
}

impl BackupFile {
    /// Whether this backup may hold the database as it was before the
    /// change made at `at`: it started before it. Without the exact start,
    /// a backup started in the same second as the change counts as older.
    /// (A backup started while the change was still being written counts as
    /// newer: take backups between erasures, not during them.)
    pub fn predates(&self, at: Timestamp) -> bool {
        match self.started_at {
            Some(start) => start < at,
            None => self.taken_at <= at,
        }
    }
}

/// The backup folder of one database file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFolder {
    pub database: PathBuf,
    pub dir: PathBuf,
    /// The database file's name without its extension: every backup's name starts with it.
    pub stem: String,
}

const STAMP: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]-[hour][minute][second]");

impl BackupFolder {
    /// `<db dir>/<db name>.backups`.
    pub fn of(database: &Path) -> BackupFolder {
        let name = database
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "axial.db".into());
        let stem = database
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "axial".into());
        let parent = database
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        BackupFolder {
            database: database.to_path_buf(),
            dir: parent.join(format!("{name}.backups")),
            stem,
        }
    }

    /// A path for a new backup taken at `at` that no file uses yet, with an
    /// optional suffix (`before-restore`).
    pub fn new_file(&self, at: Timestamp, suffix: Option<&str>) -> PathBuf {
        let stamp = at
            .to_offset(time::UtcOffset::UTC)
            .format(STAMP)
            .unwrap_or_else(|_| "00000000-000000".into());
        let tail = suffix.map(|s| format!("-{s}")).unwrap_or_default();
        let mut n = 1;
        loop {
            let count = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            let p = self
                .dir
                .join(format!("{}-{stamp}{count}{tail}.db", self.stem));
            if !p.exists() {
                return p;
            }
            n += 1;
        }
    }

    /// The time in a backup's file name, if the name is one of this folder's.
    fn time_in_name(&self, name: &str) -> Option<Timestamp> {
        let rest = name.strip_prefix(&self.stem)?.strip_prefix('-')?;
        rest.strip_suffix(".db")?;
        let stamp = rest.get(..15)?;
        time::PrimitiveDateTime::parse(stamp, STAMP)
            .ok()
            .map(|t| t.assume_utc())
    }

    /// The backups in the folder, newest first (none if there is no folder).
    pub fn list(&self) -> Result<Vec<BackupFile>, BackupError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("read the backup folder", &self.dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io("read the backup folder", &self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let prefix = format!("{}-", self.stem);
            if !name.starts_with(&prefix) || !name.ends_with(".db") {
                continue;
            }
            let meta = entry.metadata().map_err(io("read", &entry.path()))?;
            if !meta.is_file() {
                continue;
            }
            let modified = meta.modified().ok().map(Timestamp::from);
            let named = self.time_in_name(&name);
            let Some(taken_at) = named.or(modified) else {
                continue;
            };
            let started_at = named
                .and(modified)
                .filter(|m| *m >= taken_at && *m < taken_at + time::Duration::SECOND);
            out.push(BackupFile {
                path: entry.path(),
                taken_at,
                bytes: meta.len(),
                before_restore: name.ends_with(&format!("-{BEFORE_RESTORE}.db")),
                started_at,
            });
        }
        out.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then(b.path.cmp(&a.path)));
        Ok(out)
    }

    /// Deletes all but the newest `keep` backups (at least one is kept);
    /// returns the deleted paths.
    pub fn prune(&self, keep: usize) -> Result<Vec<PathBuf>, BackupError> {
        let mut gone = Vec::new();
        for old in self.list()?.into_iter().skip(keep.max(1)) {
            std::fs::remove_file(&old.path).map_err(io("delete the old backup", &old.path))?;
            gone.push(old.path);
        }
        Ok(gone)
    }
}

/// Whether the automatic backup should take one now: the database holds
/// projects and its newest backup (if any) is at least a day old.
pub fn auto_backup_due(newest: Option<Timestamp>, has_projects: bool, now: Timestamp) -> bool {
    has_projects && newest.is_none_or(|t| now - t >= AUTO_BACKUP_AFTER)
}

/// What the automatic backup did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoBackup {
    pub taken: Option<BackupFile>,
    /// Old backups deleted to keep the newest N.
    pub pruned: Vec<PathBuf>,
}

/// An irreversible change in the log: a withdrawal or a pseudonymisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Erasure {
    pub seq: ChangeSeq,
    pub at: Timestamp,
    pub action: Action,
    /// The change's summary (itself scrubbed of what was erased).
    pub summary: String,
}

/// The backups in a database's backup folder that are older than its
/// newest erasure, and so may still hold what it erased.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupsBeforeErasure {
    pub erasure: Erasure,
    pub folder: PathBuf,
    /// Newest first; never empty.
    pub backups: Vec<BackupFile>,
}

/// The command that deletes backups older than the newest erasure.
pub const PURGE_COMMAND: &str = "axial backup purge --before-erasure";

impl BackupsBeforeErasure {
    /// One sentence saying what is wrong and what to do.
    pub fn advice(&self) -> String {
        let n = self.backups.len();
        let (noun, were, hold, them) = if n == 1 {
            ("backup", "was", "holds", "it")
        } else {
            ("backups", "were", "hold", "them")
        };
        format!(
            "{n} {noun} of this database in {} {were} taken before the erasure '{}' and still {hold} the erased data; delete {them} with `{PURGE_COMMAND}` (it takes a fresh backup first)",
            self.folder.display(),
            self.erasure.summary,
        )
    }
}

/// What `purge_backups_before_erasure` did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackupPurge {
    /// The newest erasure; `None` when the log holds none (nothing is done).
    pub erasure: Option<Erasure>,
    /// The fresh backup taken first.
    pub fresh: Option<BackupFile>,
    /// The backups deleted, newest first.
    pub deleted: Vec<PathBuf>,
}

/// How many logged changes one read of the log brings back while looking
/// for the newest erasure.
const LOG_PAGE: u32 = 200;

impl App {
    /// Sets the database's backup folder, so an erasure can tell which
    /// backups still hold what it erased.
    pub fn with_backup_folder(mut self, folder: BackupFolder) -> App {
        self.backups = Some(std::sync::Arc::new(folder));
        self
    }

    /// The backup folder set with [`App::with_backup_folder`].
    pub fn backup_folder(&self) -> Option<&BackupFolder> {
        self.backups.as_deref()
    }

    /// The newest irreversible change of any project (reading the log from
    /// its end), or `None` if there never was one.
    pub async fn newest_erasure(&self) -> Result<Option<Erasure>, StoreError> {
        let mut before = None;
        loop {
            let page = self
                .store
                .history(&HistoryQuery {
                    project: None,
                    author: None,
                    before,
                    limit: LOG_PAGE,
                })
                .await?;
            if let Some(c) = page.iter().find(|c| c.action.is_irreversible()) {
                return Ok(Some(Erasure {
                    seq: c.seq,
                    at: c.at,
                    action: c.action,
                    summary: c.summary.clone(),
                }));
            }
            match page.last() {
                Some(last) if page.len() == LOG_PAGE as usize => before = Some(last.seq),
                _ => return Ok(None),
            }
        }
    }

    /// The backups in `folder` older than the newest erasure, or `None` when
    /// there is no erasure or no such backup.
    pub async fn backups_before_erasure_in(
        &self,
        folder: &BackupFolder,
    ) -> Result<Option<BackupsBeforeErasure>, BackupError> {
        let Some(erasure) = self.newest_erasure().await? else {
            return Ok(None);
        };
        let backups: Vec<BackupFile> = folder
            .list()?
            .into_iter()
            .filter(|b| b.predates(erasure.at))
            .collect();
        Ok((!backups.is_empty()).then(|| BackupsBeforeErasure {
            erasure,
            folder: folder.dir.clone(),
            backups,
        }))
    }

    /// [`App::backups_before_erasure_in`] the folder set with
    /// [`App::with_backup_folder`] (`None` without one). The front ends call
    /// it after a withdrawal or a pseudonymisation and warn.
    pub async fn backups_before_erasure(
        &self,
    ) -> Result<Option<BackupsBeforeErasure>, BackupError> {
        match self.backups.clone() {
            Some(folder) => self.backups_before_erasure_in(&folder).await,
            None => Ok(None),
        }
    }

    /// Takes a fresh backup into `folder`, then deletes every backup there
    /// older than the newest erasure (never the fresh one). Does nothing
    /// when the log holds no erasure.
    pub async fn purge_backups_before_erasure(
        &self,
        folder: &BackupFolder,
    ) -> Result<BackupPurge, BackupError> {
        let Some(erasure) = self.newest_erasure().await? else {
            return Ok(BackupPurge::default());
        };
        let fresh = self.backup_into(folder).await?;
        let mut deleted = Vec::new();
        for old in folder.list()? {
            if old.path == fresh.path || !old.predates(erasure.at) {
                continue;
            }
            std::fs::remove_file(&old.path)
                .map_err(io("delete the backup taken before the erasure", &old.path))?;
            deleted.push(old.path);
        }
        Ok(BackupPurge {
            erasure: Some(erasure),
            fresh: Some(fresh),
            deleted,
        })
    }
    /// A consistent copy of the whole database written to `dest` (its folder
    /// is created if needed).
    pub async fn backup_to_file(&self, dest: &Path) -> Result<BackupFile, BackupError> {
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io("create the folder", dir))?;
        }
        let taken_at = axial_core::now();
        self.store.backup_to(dest).await?;
        // The file keeps the exact start, which tells it apart from an
        // erasure made in the same second (see `BackupFile::predates`).
        std::fs::File::options()
            .write(true)
            .open(dest)
            .and_then(|f| f.set_modified(taken_at.into()))
            .map_err(io("set the time of", dest))?;
        let bytes = std::fs::metadata(dest).map_err(io("read", dest))?.len();
        Ok(BackupFile {
            path: dest.to_path_buf(),
            taken_at,
            bytes,
            before_restore: false,
            started_at: Some(taken_at),
        })
    }

    /// A backup into the database's backup folder under a new name.
    pub async fn backup_into(&self, folder: &BackupFolder) -> Result<BackupFile, BackupError> {
        let dest = folder.new_file(axial_core::now(), None);
        self.backup_to_file(&dest).await
    }

    /// The daily backup: takes one into `folder` when it is due (see
    /// [`auto_backup_due`]) and then keeps the newest `keep`. Does nothing on
    /// a store without file backups.
    pub async fn auto_backup(
        &self,
        folder: &BackupFolder,
        keep: usize,
        now: Timestamp,
    ) -> Result<AutoBackup, BackupError> {
        if self.store.backend() != "sqlite" {
            return Ok(AutoBackup::default());
        }
        let newest = folder.list()?.first().map(|b| b.taken_at);
        let has_projects = !self.store.projects().await?.is_empty();
        if !auto_backup_due(newest, has_projects, now) {
            return Ok(AutoBackup::default());
        }
        let taken = self.backup_into(folder).await?;
        let pruned = folder.prune(keep)?;
        Ok(AutoBackup {
            taken: Some(taken),
            pruned,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_folder_sits_beside_the_database() {
        let f = BackupFolder::of(Path::new("/data/study.db"));
        assert_eq!(f.dir, PathBuf::from("/data/study.db.backups"));
        assert_eq!(f.stem, "study");
        let f = BackupFolder::of(Path::new("axial.db"));
        assert_eq!(f.dir, PathBuf::from("./axial.db.backups"));
    }

    #[test]
    fn names_carry_the_time_and_never_collide() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = BackupFolder::of(&dir.path().join("axial.db"));
        std::fs::create_dir_all(&f.dir).expect("mkdir");
        let at = datetime!(2024-05-01 09:30:00 UTC);
        let first = f.new_file(at, None);
        assert!(first.ends_with("axial-20240501-093000.db"), "{first:?}");
        std::fs::write(&first, b"x").expect("write");
        let second = f.new_file(at, None);
        assert!(second.ends_with("axial-20240501-093000-2.db"), "{second:?}");
        std::fs::write(&second, b"x").expect("write");
        let pre = f.new_file(at, Some(BEFORE_RESTORE));
        std::fs::write(&pre, b"x").expect("write");
        std::fs::write(f.dir.join("notes.txt"), b"not a backup").expect("write");
        let list = f.list().expect("list");
        assert_eq!(list.len(), 3);
        assert!(list.iter().all(|b| b.taken_at == at));
        assert_eq!(list.iter().filter(|b| b.before_restore).count(), 1);
    }

    #[test]
    fn pruning_keeps_the_newest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = BackupFolder::of(&dir.path().join("axial.db"));
        std::fs::create_dir_all(&f.dir).expect("mkdir");
        for day in 1..=5 {
            let at = datetime!(2024-05-01 00:00:00 UTC) + time::Duration::days(day);
            std::fs::write(f.new_file(at, None), b"x").expect("write");
        }
        let gone = f.prune(2).expect("prune");
        assert_eq!(gone.len(), 3);
        let left: Vec<String> = f
            .list()
            .expect("list")
            .iter()
            .map(|b| {
                b.path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            left,
            ["axial-20240506-000000.db", "axial-20240505-000000.db"]
        );
    }

    fn file(taken_at: Timestamp, started_at: Option<Timestamp>) -> BackupFile {
        BackupFile {
            path: PathBuf::from("x.db"),
            taken_at,
            bytes: 1,
            before_restore: false,
            started_at,
        }
    }

    #[test]
    fn a_backup_predates_an_erasure_it_started_before() {
        let erased = datetime!(2024-05-01 09:30:00.500 UTC);
        let second = datetime!(2024-05-01 09:30:00 UTC);
        let before = datetime!(2024-05-01 09:30:00.200 UTC);
        let after = datetime!(2024-05-01 09:30:00.700 UTC);
        assert!(file(second, Some(before)).predates(erased));
        assert!(!file(second, Some(after)).predates(erased));
        // Only the second known: the same second counts as older.
        assert!(file(second, None).predates(erased));
        assert!(file(datetime!(2024-05-01 09:29:59 UTC), None).predates(erased));
        assert!(!file(datetime!(2024-05-01 09:30:01 UTC), None).predates(erased));
    }

    #[test]
    fn the_exact_start_is_read_back_from_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = BackupFolder::of(&dir.path().join("axial.db"));
        std::fs::create_dir_all(&f.dir).expect("mkdir");
        let at = datetime!(2024-05-01 09:30:00 UTC);
        let exact = at + time::Duration::milliseconds(250);
        let set = |p: &Path, t: Timestamp| {
            std::fs::write(p, b"x").expect("write");
            std::fs::File::options()
                .write(true)
                .open(p)
                .and_then(|h| h.set_modified(t.into()))
                .expect("set the time");
        };
        set(&f.new_file(at, None), exact);
        // Modified long after its name's second (copied, say): not the start.
        set(&f.new_file(at, None), at + time::Duration::HOUR);
        let mut starts: Vec<Option<Timestamp>> = f
            .list()
            .expect("list")
            .iter()
            .map(|b| b.started_at)
            .collect();
        starts.sort();
        assert_eq!(starts, [None, Some(exact)]);
    }

    #[test]
    fn the_advice_counts_and_names_the_command() {
        let erasure = Erasure {
            seq: ChangeSeq(9),
            at: datetime!(2024-05-01 09:30:00 UTC),
            action: Action::ParticipantWithdraw,
            summary: "withdrew participant P3".into(),
        };
        let mut b = BackupsBeforeErasure {
            erasure,
            folder: PathBuf::from("/data/study.db.backups"),
            backups: vec![file(datetime!(2024-04-30 00:00:00 UTC), None)],
        };
        assert_eq!(
            b.advice(),
            "1 backup of this database in /data/study.db.backups was taken before the erasure 'withdrew participant P3' and still holds the erased data; delete it with `axial backup purge --before-erasure` (it takes a fresh backup first)"
        );
        b.backups.push(b.backups[0].clone());
        assert!(
            b.advice().starts_with("2 backups of this database")
                && b.advice().contains("were taken")
                && b.advice().contains("delete them with"),
            "{}",
            b.advice()
        );
    }

    /// An app on a SQLite file with its backup folder set, a project, and
    /// a user.
    async fn app_with_folder() -> (tempfile::TempDir, App, BackupFolder, crate::Actor) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("study.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open store");
        let folder = BackupFolder::of(&db);
        let app = App::new(std::sync::Arc::new(store)).with_backup_folder(folder.clone());
        let actor = app.local_user("tester").await.expect("user");
        (dir, app, folder, actor)
    }

    /// Commits an irreversible change (a record standing in for what a
    /// withdrawal would erase) and returns its time.
    async fn erase(app: &App, actor: &crate::Actor, project: &axial_core::Project) -> Timestamp {
        #[derive(Clone, serde::Serialize, serde::Deserialize)]
        struct Note {
            text: String,
        }
        impl crate::records::RecordBody for Note {
            const KIND: axial_core::RecordKind = axial_core::RecordKind::Report;
        }
        let record = crate::records::new_record(
            project,
            actor.id(),
            &Note {
                text: "erased".into(),
            },
        )
        .expect("record");
        let cs = axial_core::ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::ParticipantWithdraw,
            "withdrew participant P1",
        )
        .op(axial_core::Op::insert(axial_core::Entity::Record(record)));
        app.store().commit(cs).await.expect("commit").at
    }

    #[tokio::test]
    async fn purging_keeps_a_fresh_backup_and_the_ones_after_the_erasure() {
        let (_dir, app, folder, actor) = app_with_folder().await;
        let project = app
            .create_project(&actor, "Study", "")
            .await
            .expect("project");
        // No erasure yet: nothing to warn about, nothing purged.
        let old = app.backup_into(&folder).await.expect("backup");
        assert_eq!(app.backups_before_erasure().await.expect("check"), None);
        let nothing = app
            .purge_backups_before_erasure(&folder)
            .await
            .expect("purge");
        assert_eq!(nothing, BackupPurge::default());
        assert!(old.path.exists());

        // A backup named as if taken a day earlier also predates it.
        let yesterday = folder.new_file(axial_core::now() - time::Duration::DAY, None);
        std::fs::write(&yesterday, b"an old copy").expect("write");
        let at = erase(&app, &actor, &project).await;
        let stale = app
            .backups_before_erasure()
            .await
            .expect("check")
            .expect("backups to warn about");
        assert_eq!(stale.erasure.at, at);
        assert_eq!(stale.erasure.action, Action::ParticipantWithdraw);
        let mut paths: Vec<&PathBuf> = stale.backups.iter().map(|b| &b.path).collect();
        paths.sort();
        let mut want = vec![&old.path, &yesterday];
        want.sort();
        assert_eq!(paths, want);

        let purge = app
            .purge_backups_before_erasure(&folder)
            .await
            .expect("purge");
        assert_eq!(purge.erasure.map(|e| e.at), Some(at));
        let fresh = purge.fresh.expect("a fresh backup");
        assert_eq!(purge.deleted.len(), 2);
        assert!(!old.path.exists() && !yesterday.exists());
        let left: Vec<PathBuf> = folder
            .list()
            .expect("list")
            .into_iter()
            .map(|b| b.path)
            .collect();
        assert_eq!(left, std::slice::from_ref(&fresh.path));
        // The fresh backup is after the erasure: no warning any more, and a
        // second purge keeps it.
        assert_eq!(app.backups_before_erasure().await.expect("check"), None);
        let again = app
            .purge_backups_before_erasure(&folder)
            .await
            .expect("purge again");
        assert!(again.deleted.is_empty());
        assert!(fresh.path.exists());
    }

    #[test]
    fn due_once_a_day_and_only_with_projects() {
        let now = datetime!(2024-05-02 12:00:00 UTC);
        assert!(auto_backup_due(None, true, now));
        assert!(!auto_backup_due(None, false, now));
        assert!(!auto_backup_due(
            Some(now - time::Duration::hours(23)),
            true,
            now
        ));
        assert!(auto_backup_due(
            Some(now - time::Duration::hours(24)),
            true,
            now
        ));
    }
}
