//! `axial bench`: builds a corpus in a temporary database, times every
//! operation and prints the table (see BENCHMARKS.md for recorded figures).
//!
//! Owns what the benchmark needs from the process: the progress bar, the
//! peak resident memory (reset before each operation through
//! `/proc/self/clear_refs`, read from `VmHWM`), scratch databases for
//! repeated imports, and the database size. The operations themselves are
//! `axial_app::bench`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axial_app::bench::{self, BenchEnv, BenchOptions, BenchReport, Corpus, CorpusSpec, Timing};
use axial_app::App;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::args::{BenchArgs, BenchCorpus};

/// Peak resident memory of this process in MiB (Linux), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// A scratch database handed out by [`Env::scratch`].
enum Scratch {
    /// A SQLite file, deleted as soon as the next one is asked for.
    File(PathBuf),
    /// A database on the PostgreSQL server, dropped at the end of the run.
    Postgres,
}

/// What `axial bench` gives the app's benchmark.
struct Env {
    bar: ProgressBar,
    /// Empty databases opened up front, handed out one per repeat.
    scratch: Mutex<Vec<(App, Scratch)>>,
    /// Scratch databases handed out.
    used: Mutex<Vec<Scratch>>,
    /// Whether resetting the peak works here (Linux ≥ 4.0); without it the
    /// per-operation peaks would only ever grow, so none are reported.
    resettable: bool,
}

impl Env {
    fn reset(&self) -> bool {
        // "5" resets the peak resident set size to the current one.
        std::fs::write("/proc/self/clear_refs", "5").is_ok()
    }
}

impl BenchEnv for Env {
    fn progress(&self, what: &str, done: usize, total: usize) {
        self.bar.set_message(what.to_string());
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
    }
    fn reset_peak(&self) {
        if self.resettable {
            self.reset();
        }
    }
    fn peak_mib(&self) -> Option<f64> {
        self.resettable.then(peak_rss_mib).flatten()
    }
    fn scratch(&self) -> Option<App> {
        // The app asks for the next scratch database once it closed the last
        // one: delete that file now (a W3 copy is over a gigabyte).
        let mut used = self
            .used
            .lock()
            .expect("the used list lock is never poisoned");
        used.retain(|s| match s {
            Scratch::File(db) => {
                remove_database(db);
                false
            }
            Scratch::Postgres => true,
        });
        let (app, db) = self
            .scratch
            .lock()
            .expect("the scratch list lock is never poisoned")
            .pop()?;
        used.push(db);
        Some(app)
    }
}

/// Where the benchmark's databases live.
enum Backend {
    /// SQLite files in a temporary folder (or the main one at `--keep`).
    Sqlite { dir: PathBuf, main: PathBuf },
    /// Databases created on a PostgreSQL server and dropped afterwards.
    Postgres {
        /// The server, as given to `--postgres`.
        server: String,
        /// Prefix of every database this run creates.
        prefix: String,
        /// The databases created so far, dropped at the end.
        created: Mutex<Vec<String>>,
    },
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// The main database's location, as `--db` takes it.
    fn main_location(&self) -> anyhow::Result<String> {
        Ok(match self {
            Backend::Sqlite { main, .. } => main.display().to_string(),
            Backend::Postgres { server, prefix, .. } => {
                axial_store_postgres::admin::url_with_database(server, prefix)?
            }
        })
    }

    async fn open_main(&self) -> anyhow::Result<App> {
        match self {
            Backend::Sqlite { main, .. } => {
                let store =
                    axial_store_sqlite::SqliteStore::open(&main.display().to_string()).await?;
                Ok(App::new(Arc::new(store)))
            }
            Backend::Postgres { prefix, .. } => {
                let url = self.create(prefix).await?;
                let store = axial_store_postgres::PgStore::connect(&url).await?;
                Ok(App::new(Arc::new(store)))
            }
        }
    }

    async fn open_scratch(&self, n: usize) -> anyhow::Result<(App, Scratch)> {
        match self {
            Backend::Sqlite { dir, .. } => {
                let db = dir.join(format!("scratch-{n}.db"));
                let store =
                    axial_store_sqlite::SqliteStore::open(&db.display().to_string()).await?;
                Ok((App::new(Arc::new(store)), Scratch::File(db)))
            }
            Backend::Postgres { prefix, .. } => {
                let url = self.create(&format!("{prefix}_s{n}")).await?;
                let store = axial_store_postgres::PgStore::connect(&url).await?;
                Ok((App::new(Arc::new(store)), Scratch::Postgres))
            }
        }
    }

    /// The main database's size on disk.
    async fn size(&self) -> u64 {
        match self {
            Backend::Sqlite { main, .. } => {
                file_size(main) + file_size(&main.with_extension("db-wal"))
            }
            Backend::Postgres { .. } => match self.main_location() {
                Ok(url) => axial_store_postgres::admin::database_bytes(&url)
                    .await
                    .unwrap_or(0),
                Err(_) => 0,
            },
        }
    }

    /// Creates a database on the PostgreSQL server and remembers it for
    /// [`Backend::clean_up`]; returns its URL.
    async fn create(&self, name: &str) -> anyhow::Result<String> {
        let Backend::Postgres {
            server, created, ..
        } = self
        else {
            anyhow::bail!("only a PostgreSQL run creates databases");
        };
        let url = axial_store_postgres::admin::create_database(server, name).await?;
        created
            .lock()
            .expect("the created list lock is never poisoned")
            .push(name.to_string());
        Ok(url)
    }

    /// Removes every database the run made (a `--keep` file stays).
    async fn clean_up(&self) {
        match self {
            Backend::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Backend::Postgres {
                server, created, ..
            } => {
                let names = std::mem::take(
                    &mut *created
                        .lock()
                        .expect("the created list lock is never poisoned"),
                );
                for name in names {
                    if let Err(e) = axial_store_postgres::admin::drop_database(server, &name).await
                    {
                        eprintln!("warning: {e}");
                    }
                }
            }
        }
    }
}

/// Everything `axial bench --json` prints.
#[derive(Serialize)]
struct Output {
    /// "sqlite" or "postgres".
    backend: &'static str,
    report: BenchReport,
    layout: Option<LayoutOut>,
    cli_start: Option<Timing>,
    database_bytes: u64,
    peak_rss_mib: Option<f64>,
}

#[derive(Serialize)]
struct LayoutOut {
    chars: u32,
    codings: usize,
    median_ms: f64,
    best_ms: f64,
    runs: usize,
}

pub async fn run(a: &BenchArgs, json: bool) -> anyhow::Result<()> {
    let corpus = match a.corpus {
        BenchCorpus::Demo => Corpus::Demo,
        BenchCorpus::Small => Corpus::Synthetic(CorpusSpec::SMALL),
        BenchCorpus::W2 => Corpus::Synthetic(CorpusSpec::W2),
        BenchCorpus::W3 => Corpus::Synthetic(CorpusSpec::W3),
    };
    let opts = BenchOptions {
        runs: a.runs.max(1),
        heavy_runs: a.heavy_runs.max(1),
    };
    let pid = std::process::id();
    let backend = match &a.postgres {
        Some(server) => {
            if a.keep.is_some() {
                anyhow::bail!("--keep names a SQLite file; it cannot be combined with --postgres");
            }
            Backend::Postgres {
                server: server.clone(),
                prefix: format!("axial_bench_{pid}"),
                created: Mutex::new(Vec::new()),
            }
        }
        None => {
            let dir = std::env::temp_dir().join(format!("axial-bench-{pid}"));
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let main = match &a.keep {
                Some(p) => p.clone(),
                None => dir.join("bench.db"),
            };
            Backend::Sqlite { dir, main }
        }
    };
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(1)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut env = Env {
        bar,
        scratch: Mutex::new(Vec::new()),
        used: Mutex::new(Vec::new()),
        resettable: false,
    };
    env.resettable = env.reset();
    let scratch_needed = opts.scratch_needed();
    let result = async {
        for n in 0..scratch_needed {
            let scratch = backend.open_scratch(n).await?;
            env.scratch
                .lock()
                .expect("the scratch list lock is never poisoned")
                .push(scratch);
        }
        let app = backend.open_main().await?;
        let actor = app.local_user("bench").await?;
        let (_, report) = bench::run(&app, &actor, corpus, opts, &env).await?;
        env.progress("coded layout (server)", 0, 1);
        let layout = axial_server::bench::measure_layout(&app, 300_000, 2_000, opts.runs)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        app.store().close().await;
        env.bar.finish_and_clear();
        anyhow::Ok((report, layout))
    }
    .await;
    // Close the scratch databases still open before dropping them.
    let unused: Vec<(App, Scratch)> = std::mem::take(
        &mut *env
            .scratch
            .lock()
            .expect("the scratch list lock is never poisoned"),
    );
    for (app, _) in &unused {
        app.store().close().await;
    }
    let db_bytes = backend.size().await;
    let startup = match backend.main_location() {
        Ok(db) if result.is_ok() => cli_startup(&db, opts.runs.max(10)),
        Ok(_) => Err(anyhow::anyhow!("the benchmark failed")),
        Err(e) => Err(e),
    };
    backend.clean_up().await;
    let (report, layout) = result?;
    // The whole run's peak is only known when the peak was never reset.
    let peak = (!env.resettable).then(peak_rss_mib).flatten();
    let out = Output {
        backend: backend.name(),
        layout: Some(LayoutOut {
            chars: layout.chars,
            codings: layout.codings,
            median_ms: layout.median.as_secs_f64() * 1000.0,
            best_ms: layout.best.as_secs_f64() * 1000.0,
            runs: layout.runs,
        }),
        cli_start: startup.as_ref().ok().cloned(),
        database_bytes: db_bytes,
        peak_rss_mib: peak.or_else(|| {
            report
                .ops
                .iter()
                .filter_map(|o| o.peak_rss_mib)
                .reduce(f64::max)
        }),
        report,
    };
    if json {
        return crate::output::json(&out);
    }
    print_table(&out, startup.err());
    Ok(())
}

/// Deletes a SQLite database with its write-ahead log and shared memory.
fn remove_database(db: &Path) {
    for ext in ["db", "db-wal", "db-shm"] {
        let _ = std::fs::remove_file(db.with_extension(ext));
    }
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn ms(x: f64) -> String {
    if x >= 1000.0 {
        format!("{:.2} s", x / 1000.0)
    } else if x >= 10.0 {
        format!("{x:.1} ms")
    } else {
        format!("{x:.2} ms")
    }
}

fn timing(t: &Timing) -> String {
    format!(
        "{} ({}–{}, {} runs)",
        ms(t.median_ms),
        ms(t.min_ms),
        ms(t.max_ms),
        t.runs
    )
}

fn print_table(out: &Output, startup_error: Option<anyhow::Error>) {
    let r = &out.report;
    let size = match &r.spec {
        Some(s) => format!(
            "{} sources × {} words, {} codes, {} codings",
            s.sources, s.words_per_source, s.codes, s.codings
        ),
        None => "the built-in demo study".to_string(),
    };
    println!(
        "corpus {}: {size}; in the project {} sources, {} codes, {} codings ({:.1} MB of text)",
        r.corpus,
        r.sources,
        r.codes,
        r.codings,
        r.text_bytes as f64 / 1e6
    );
    println!(
        "median (min–max, runs); rate at the median; limit = the plain memory scan's time for the same bytes ÷ the operation's; peak = resident memory while it ran"
    );
    for o in &r.ops {
        let mut line = format!("{:<12} {}: {}", o.op, o.what, timing(&o.timing));
        if let Some((v, unit)) = &o.rate {
            line.push_str(&format!("; {v:.1} {unit}"));
        }
        if let (Some(f), false) = (o.fraction_of_scan, o.op == "memory_scan") {
            line.push_str(&format!(
                "; {:.1}% of the limit ({:.1}× the scan)",
                f * 100.0,
                1.0 / f.max(1e-12)
            ));
        }
        if let Some(p) = o.peak_rss_mib {
            line.push_str(&format!("; peak {p:.0} MiB"));
        }
        println!("{line}");
    }
    for (op, why) in &r.skipped {
        println!("{op:<12} not run: {why}");
    }
    if let Some(l) = &out.layout {
        println!(
            "{:<12} coded layout of a {}-character source with {} codings through the router: median {} (best {}, {} runs)",
            "layout", l.chars, l.codings, ms(l.median_ms), ms(l.best_ms), l.runs
        );
    }
    match (&out.cli_start, startup_error) {
        (Some(s), _) => println!(
            "{:<12} CLI start to first output (`axial project list`): {}",
            "cli_start",
            timing(s)
        ),
        (None, Some(e)) => println!("{:<12} not measured ({e})", "cli_start"),
        (None, None) => {}
    }
    println!(
        "database size ({}): {:.1} MB",
        out.backend,
        out.database_bytes as f64 / 1e6
    );
    if let Some(p) = out.peak_rss_mib {
        println!("peak resident memory of the run: {p:.0} MiB");
    }
}

/// Time from starting `axial project list` to its exit, over `runs` runs.
fn cli_startup(db: &str, runs: usize) -> anyhow::Result<Timing> {
    let exe = std::env::current_exe()?;
    let mut ds: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new(&exe)
            .args(["--db", db, "project", "list"])
            // Start-up, not the daily backup of a database of gigabytes.
            .env("AXIAL_NO_AUTO_BACKUP", "1")
            .output()?;
        ds.push(t.elapsed());
        if !out.status.success() {
            anyhow::bail!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    Ok(Timing::of(ds))
}
