//! `cargo bench -p axial-server --bench layout`: server time to return the
//! coded layout of a 300,000-character source with 2,000 codings (the goal
//! is at most 30 ms), measured through the real router including JSON.

use std::sync::Arc;

use axial_app::App;
use axial_store_sqlite::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.db").display().to_string()).await?;
    let app = App::new(Arc::new(store));
    let t = axial_server::bench::measure_layout(&app, 300_000, 2000, 20).await?;
    println!(
        "coded layout: {} characters, {} codings, {} runs: best {:.1} ms, median {:.1} ms, {} KiB of JSON",
        t.chars,
        t.codings,
        t.runs,
        t.best.as_secs_f64() * 1000.0,
        t.median.as_secs_f64() * 1000.0,
        t.bytes / 1024
    );
    Ok(())
}
