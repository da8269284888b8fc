//! Shared by the CLI tests: a temporary directory in which the built `axial`
//! binary runs, with helpers that check its exit code and read its output.
//!
//! With `AXIAL_TEST_BACKEND=postgres` (and `AXIAL_TEST_PG` naming a server,
//! as `scripts/test.sh` does) every [`Env`] gets a fresh PostgreSQL
//! database instead of `./axial.db`, so the same tests prove the same
//! behaviour on both backends; tests about SQLite files call
//! [`skip_on_postgres`].
// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Runs `axial ARGS` in `dir` as user "tester", without colour and without
/// the caller's database or project settings.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    run_on(dir, None, args)
}

/// [`run_in`] on the database `db` (`None`: `./axial.db`).
pub fn run_on(dir: &Path, db: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_axial"));
    match db {
        Some(db) => cmd.env("AXIAL_DB", db),
        None => cmd.env_remove("AXIAL_DB"),
    };
    cmd.args(args)
        .current_dir(dir)
        .env("AXIAL_USER", "tester")
        .env_remove("AXIAL_PROJECT")
        .env("NO_COLOR", "1")
        // Tests that are not about backups do not take the daily backup.
        .env("AXIAL_NO_AUTO_BACKUP", "1")
        .output()
        .expect("the axial binary runs")
}

/// Whether the tests run against PostgreSQL (`AXIAL_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("AXIAL_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// For tests of SQLite files (backups, locks, paths): true, with a note,
/// when the suite runs against PostgreSQL; the caller returns.
pub fn skip_on_postgres(what: &str) -> bool {
    if on_postgres() {
        eprintln!("skipped on PostgreSQL: {what} is about SQLite database files");
    }
    on_postgres()
}

/// A fresh, empty database on the PostgreSQL test server.
pub fn fresh_postgres() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let url = std::env::var("AXIAL_TEST_PG")
        .expect("AXIAL_TEST_BACKEND=postgres needs AXIAL_TEST_PG (scripts/pg.sh start)");
    let name = format!(
        "axial_cli_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let ok = Command::new("psql")
        .arg(&url)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs")
        .success();
    assert!(ok, "could not create the test database {name}");
    format!("{}/{name}", url.rsplit_once('/').expect("a database URL").0)
}

pub struct Env {
    dir: tempfile::TempDir,
    /// The PostgreSQL database of this environment, or `None` for `./axial.db`.
    db: Option<String>,
}

impl Env {
    /// An empty directory (so a new `axial.db`), or a fresh PostgreSQL
    /// database when the suite runs on PostgreSQL.
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            db: on_postgres().then(fresh_postgres),
        }
    }

    /// A copy of the `axial.db` in `from` (with its write-ahead log, if one
    /// is left); on PostgreSQL, copied into a fresh database with
    /// `axial migrate`.
    pub fn with_copy_of(from: &Path) -> Env {
        let env = Env::new();
        if let Some(db) = &env.db {
            let src = from.join("axial.db");
            let out = run_in(
                env.path(),
                &["migrate", "--from", &src.display().to_string(), "--to", db],
            );
            assert!(
                out.status.success(),
                "could not copy {} to PostgreSQL: {}",
                src.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            return env;
        }
        for name in ["axial.db", "axial.db-wal"] {
            let src = from.join(name);
            if src.exists() {
                std::fs::copy(&src, env.file(name)).expect("copy the database");
            }
        }
        env
    }

    /// Another, empty database for tests that use two: a SQLite file named
    /// `name` in the directory, or a fresh PostgreSQL database.
    pub fn second_db(&self, name: &str) -> String {
        if on_postgres() {
            fresh_postgres()
        } else {
            name.to_string()
        }
    }

    /// The database this environment uses, as `--db` takes it.
    pub fn db(&self) -> String {
        self.db
            .clone()
            .unwrap_or_else(|| self.file("axial.db").display().to_string())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_on(self.path(), self.db.as_deref(), args)
    }

    /// Runs with `input` on standard input (passwords, passphrases).
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_axial"));
        match &self.db {
            Some(db) => cmd.env("AXIAL_DB", db),
            None => cmd.env_remove("AXIAL_DB"),
        };
        let mut child = cmd
            .args(args)
            .current_dir(self.path())
            .env("AXIAL_USER", "tester")
            .env_remove("AXIAL_PROJECT")
            .env_remove("AXIAL_KEY_PASSPHRASE")
            .env("NO_COLOR", "1")
            .env("AXIAL_NO_AUTO_BACKUP", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the axial binary runs");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(input.as_bytes())
            .expect("write standard input");
        child.wait_with_output().expect("axial finishes")
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "axial {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Runs and expects failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "axial {args:?} should have failed but printed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).expect("stderr is UTF-8")
    }

    /// Runs with `--json` and parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&self.ok(&a)).expect("valid JSON")
    }

    /// Number of entries in the change log of the only project: a failed
    /// command must leave it as it was.
    pub fn changes(&self) -> u64 {
        self.json(&["stats"])["changes"]
            .as_u64()
            .expect("changes count")
    }

    /// Writes a file into the directory (creating folders on the way).
    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.file(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, content).expect("write fixture");
        p
    }
}
