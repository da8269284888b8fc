//! Picks and opens the storage backend from the database URL, and takes the
//! daily automatic backup of a SQLite database when it is opened for work.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axial_app::backup::{BackupFolder, DEFAULT_KEEP};
use axial_app::App;
use axial_store::Store;

/// The database named by `--db`/`AXIAL_DB`, else `./axial.db`.
pub fn location(db: Option<&str>) -> String {
    db.map(str::to_string)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "axial.db".to_string())
}

fn is_postgres(loc: &str) -> bool {
    loc.starts_with("postgres://") || loc.starts_with("postgresql://")
}

/// The file of a SQLite database location (`None` for PostgreSQL URLs and
/// in-memory databases).
pub fn sqlite_path(db: Option<&str>) -> Option<PathBuf> {
    let loc = location(db);
    if is_postgres(&loc) || loc.contains(":memory:") || loc.contains("mode=memory") {
        return None;
    }
    let path = loc
        .strip_prefix("sqlite://")
        .or_else(|| loc.strip_prefix("sqlite:"))
        .unwrap_or(&loc);
    let path = PathBuf::from(path.split('?').next().unwrap_or(path));
    // Absolute, so backup paths printed and stored say where they are.
    Some(std::path::absolute(&path).unwrap_or(path))
}

/// Opens the database: `postgres://…` URLs on PostgreSQL, anything else as a
/// SQLite file; warns on stderr when SQLite sits somewhere unsafe.
pub async fn open(db: Option<&str>) -> anyhow::Result<Arc<dyn Store>> {
    let loc = location(db);
    if is_postgres(&loc) {
        let store = axial_store_postgres::PgStore::connect(&loc)
            .await
            .context("cannot open the PostgreSQL database")?;
        return Ok(Arc::new(store));
    }
    let path = PathBuf::from(
        loc.strip_prefix("sqlite://")
            .or_else(|| loc.strip_prefix("sqlite:"))
            .unwrap_or(&loc),
    );
    if let Some(w) = axial_store_sqlite::location_warning(&path) {
        eprintln!("warning: {w}");
    }
    let store = axial_store_sqlite::SqliteStore::open(&loc)
        .await
        .with_context(|| format!("cannot open the database {loc}"))?;
    Ok(Arc::new(store))
}

/// The automatic backup's settings: `--keep-backups N` (or
/// `AXIAL_KEEP_BACKUPS`), and `AXIAL_NO_AUTO_BACKUP=1` to turn it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoBackupPolicy {
    pub enabled: bool,
    pub keep: usize,
}

impl AutoBackupPolicy {
    pub fn from_env(keep: Option<u32>) -> AutoBackupPolicy {
        let off = std::env::var("AXIAL_NO_AUTO_BACKUP")
            .map(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
            .unwrap_or(false);
        AutoBackupPolicy {
            enabled: !off,
            keep: keep.map(|k| k as usize).unwrap_or(DEFAULT_KEEP),
        }
    }
}

/// Opens the database for a command and, for a SQLite file, first takes the
/// daily backup when it is due (see `axial_app::backup`). A backup that
/// fails is reported on stderr and the command still runs.
pub async fn open_for_work(
    db: Option<&str>,
    policy: AutoBackupPolicy,
) -> anyhow::Result<Arc<dyn Store>> {
    let store = open(db).await?;
    let Some(path) = sqlite_path(db).filter(|_| policy.enabled) else {
        return Ok(store);
    };
    let app = App::new(store.clone());
    let folder = BackupFolder::of(&path);
    match app
        .auto_backup(&folder, policy.keep, axial_core::now())
        .await
    {
        Ok(done) => {
            if let Some(b) = done.taken {
                eprintln!(
                    "backed up the database to {} (daily backup; the newest {} are kept)",
                    b.path.display(),
                    policy.keep
                );
            }
        }
        Err(e) => eprintln!(
            "warning: the daily backup of {} failed: {e}; the command runs anyway (set AXIAL_NO_AUTO_BACKUP=1 to stop trying)",
            path.display()
        ),
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_locations_become_paths() {
        let here = std::env::current_dir().expect("current dir");
        assert_eq!(sqlite_path(None), Some(here.join("axial.db")));
        assert_eq!(
            sqlite_path(Some("sqlite:///data/a.db?mode=rwc")),
            Some(PathBuf::from("/data/a.db"))
        );
        assert_eq!(sqlite_path(Some("postgres://u@h/db")), None);
        assert_eq!(sqlite_path(Some("sqlite::memory:")), None);
    }
}
