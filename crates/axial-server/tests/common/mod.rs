//! Shared by the API tests: the store a test runs on. SQLite (the given
//! file) by default; with `AXIAL_TEST_BACKEND=postgres` (and `AXIAL_TEST_PG`
//! naming a server, as `scripts/test.sh` does) a fresh PostgreSQL database
//! instead, so the same API tests prove the same behaviour on both backends.
// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::sync::Arc;

use axial_store::Store;

/// Whether the tests run against PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("AXIAL_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A fresh, empty database on the PostgreSQL test server.
pub fn fresh_postgres() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let url = std::env::var("AXIAL_TEST_PG")
        .expect("AXIAL_TEST_BACKEND=postgres needs AXIAL_TEST_PG (scripts/pg.sh start)");
    let name = format!(
        "axial_api_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let ok = std::process::Command::new("psql")
        .arg(&url)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs")
        .success();
    assert!(ok, "could not create the test database {name}");
    format!("{}/{name}", url.rsplit_once('/').expect("a database URL").0)
}

/// The store of one test: the SQLite file `sqlite_path`, or a fresh
/// PostgreSQL database.
pub async fn open_store(sqlite_path: &str) -> Arc<dyn Store> {
    if on_postgres() {
        let url = fresh_postgres();
        Arc::new(
            axial_store_postgres::PgStore::connect(&url)
                .await
                .expect("connect to the PostgreSQL test database"),
        )
    } else {
        Arc::new(
            axial_store_sqlite::SqliteStore::open(sqlite_path)
                .await
                .expect("open sqlite"),
        )
    }
}
