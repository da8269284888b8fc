//! `axial bench`: builds a synthetic corpus in a temporary database and
//! prints the timings (see BENCHMARKS.md for recorded figures).

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axial_app::bench::{self, CorpusSpec, Timing};
use axial_app::App;
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{BenchArgs, BenchCorpus};

/// Peak resident memory of this process in MiB (Linux), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub async fn run(a: &BenchArgs, json: bool) -> anyhow::Result<()> {
    let spec = match a.corpus {
        BenchCorpus::Small => CorpusSpec::SMALL,
        BenchCorpus::W2 => CorpusSpec::W2,
    };
    let dir = std::env::temp_dir().join(format!("axial-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db = match &a.keep {
        Some(p) => p.clone(),
        None => dir.join("bench.db"),
    };
    let result = async {
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string()).await?;
        let app = App::new(Arc::new(store));
        let actor = app.local_user("bench").await?;
        let bar = if json {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(1)
        };
        bar.set_style(
            ProgressStyle::with_template("{msg:>20} [{bar:30}] {pos}/{len}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        let progress = |what: &str, done: usize, total: usize| {
            bar.set_message(what.to_string());
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        };
        let (project, report) = bench::run(&app, &actor, spec, a.runs, &progress).await?;
        progress("coded layout", 0, 1);
        let layout = axial_server::bench::measure_layout(&app, 300_000, 2_000, a.runs)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        progress("QDPX export and import", 0, 1);
        let target_db = dir.join("import.db");
        let target = App::new(Arc::new(
            axial_store_sqlite::SqliteStore::open(&target_db.display().to_string()).await?,
        ));
        let target_actor = target.local_user("bench").await?;
        let exchange = bench::exchange(
            &app,
            &target,
            &target_actor,
            &project,
            a.runs.clamp(1, 3),
            2,
        )
        .await?;
        target.store().close().await;
        app.store().close().await;
        bar.finish_and_clear();
        anyhow::Ok((report, layout, exchange))
    }
    .await;
    let db_bytes = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(db.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    let startup = cli_startup(&db, a.runs.max(10));
    let _ = std::fs::remove_dir_all(&dir);
    let (report, layout, exchange) = result?;
    let peak = peak_rss_mib();
    if json {
        crate::output::json(&serde_json::json!({
            "report": report, "cli_start": startup.ok(), "exchange": exchange,
            "layout_300k_chars_2000_codings_ms": { "median": layout.median.as_secs_f64() * 1000.0, "best": layout.best.as_secs_f64() * 1000.0, "runs": layout.runs }, "database_bytes": db_bytes, "peak_rss_mib": peak,
        }))?;
        return Ok(());
    }
    let t = |x: &Timing| {
        format!(
            "median {:.2} ms (min {:.2}, max {:.2}, {} runs)",
            x.median_ms, x.min_ms, x.max_ms, x.runs
        )
    };
    let c = report.corpus;
    println!(
        "corpus: {} sources × {} words, {} codes, {} codings ({:.1} MB of text)",
        c.sources,
        c.words_per_source,
        c.codes,
        c.codings,
        report.text_bytes as f64 / 1e6
    );
    println!(
        "import (each file its own transaction): {:.2} s, {:.1} MB/s",
        report.import_seconds, report.import_mb_per_s
    );
    println!(
        "  the importer alone (no commit): {:.1} MB/s",
        report.parse_mb_per_s
    );
    println!(
        "apply {} codings in batches of 2,000: {:.2} s, {:.0} codings/s",
        c.codings, report.apply_codings_seconds, report.codings_per_second
    );
    println!(
        "apply one coding (round trip through the store): {}",
        t(&report.apply_one_coding)
    );
    println!("plain memory scan of the text: {}", t(&report.memory_scan));
    println!(
        "regex search '{}' ({} hits): {}",
        report.search_pattern,
        report.search_hits,
        t(&report.search)
    );
    println!(
        "  search / memory scan: {:.1}×",
        report.search.median_ms / report.memory_scan.median_ms.max(1e-9)
    );
    println!(
        "segments of one code ({} codings): {}",
        report.segments_count,
        t(&report.segments_5000)
    );
    println!(
        "coded layout of a {}-character source with {} codings (server): median {:.2} ms (best {:.2}, {} runs)",
        layout.chars,
        layout.codings,
        layout.median.as_secs_f64() * 1000.0,
        layout.best.as_secs_f64() * 1000.0,
        layout.runs
    );
    println!(
        "QDPX export of the corpus ({:.1} MB archive): {}",
        exchange.qdpx_bytes as f64 / 1e6,
        t(&exchange.export_qdpx)
    );
    println!(
        "QDPX import into a fresh database ({} codings): {}",
        exchange.imported_codings,
        t(&exchange.import_qdpx)
    );
    match startup {
        Ok(s) => println!(
            "CLI start to first output (`axial project list`): {}",
            t(&s)
        ),
        Err(e) => println!("CLI start: not measured ({e})"),
    }
    println!("database size: {:.1} MB", db_bytes as f64 / 1e6);
    if let Some(p) = peak {
        println!("peak resident memory: {p:.0} MiB");
    }
    Ok(())
}

/// Time from starting `axial project list` to its exit, over `runs` runs.
fn cli_startup(db: &std::path::Path, runs: usize) -> anyhow::Result<Timing> {
    let exe = std::env::current_exe()?;
    let mut ds: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new(&exe)
            .args(["--db", &db.display().to_string(), "project", "list"])
            .output()?;
        ds.push(t.elapsed());
        if !out.status.success() {
            anyhow::bail!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    Ok(Timing::of(ds))
}
