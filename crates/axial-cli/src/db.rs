//! Picks and opens the storage backend from the database URL.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axial_store::Store;

/// The database named by `--db`/`AXIAL_DB`, else `./axial.db`.
pub fn location(db: Option<&str>) -> String {
    db.map(str::to_string)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "axial.db".to_string())
}

/// Opens the database: `postgres://…` URLs on PostgreSQL, anything else as a
/// SQLite file; warns on stderr when SQLite sits somewhere unsafe.
pub async fn open(db: Option<&str>) -> anyhow::Result<Arc<dyn Store>> {
    let loc = location(db);
    if loc.starts_with("postgres://") || loc.starts_with("postgresql://") {
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
