//! Shared by the CLI tests: a temporary directory in which the built `axial`
//! binary runs, with helpers that check its exit code and read its output.
// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Runs `axial ARGS` in `dir` as user "tester", without colour and without
/// the caller's database or project settings.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_axial"))
        .args(args)
        .current_dir(dir)
        .env("AXIAL_USER", "tester")
        .env_remove("AXIAL_DB")
        .env_remove("AXIAL_PROJECT")
        .env("NO_COLOR", "1")
        .output()
        .expect("the axial binary runs")
}

pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// An empty directory (so a new `axial.db`).
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A directory holding a copy of the `axial.db` in `from` (with its
    /// write-ahead log, if one is left).
    pub fn with_copy_of(from: &Path) -> Env {
        let env = Env::new();
        for name in ["axial.db", "axial.db-wal"] {
            let src = from.join(name);
            if src.exists() {
                std::fs::copy(&src, env.file(name)).expect("copy the database");
            }
        }
        env
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args)
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
