//! Numbered schema migrations (`migrations/NNNN_name.sql`, embedded at build
//! time) and the schema-version check.
//!
//! Applied versions are recorded in `schema_migrations`. Connecting applies
//! the missing ones in order inside one transaction that first takes a
//! transaction-scoped advisory lock, so servers starting at once against a
//! new database wait for each other instead of racing; a database whose
//! highest version is above what this build knows is refused with
//! [`StoreError::NewerSchema`] and left untouched. Migrations are only ever
//! added, never edited once released. This module does not use sqlx's
//! migrator: the version check and its error must read the same as the
//! SQLite backend's.

use axial_store::StoreError;
use sqlx::postgres::PgConnection;
use sqlx::Connection;

use crate::error::Fault;

/// `(version, name, sql)` in ascending version order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "records_accounts",
        include_str!("../migrations/0002_records_accounts.sql"),
    ),
    (3, "lz4", include_str!("../migrations/0003_lz4.sql")),
];

/// The advisory-lock key held while migrating ("axialmig" in ASCII).
const MIGRATION_LOCK: i64 = 0x61_78_69_61_6c_6d_69_67;

/// The newest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// Brings the database up to [`latest`], or refuses a newer one.
pub(crate) async fn run(conn: &mut PgConnection) -> Result<(), Fault> {
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at BIGINT NOT NULL
         )",
    )
    .execute(&mut *tx)
    .await?;
    let found: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        .fetch_one(&mut *tx)
        .await?;
    if found > latest() {
        return Err(StoreError::NewerSchema {
            found,
            supported: latest(),
        }
        .into());
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(crate::codec::micros(axial_core::now())?)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_from_one_without_gaps() {
        for (i, (version, name, sql)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1, "migration '{name}'");
            assert!(!sql.trim().is_empty(), "migration '{name}' is empty");
        }
        assert_eq!(latest(), MIGRATIONS.len() as i64);
    }
}
