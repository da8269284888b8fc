//! `axial migrate`: the demo study copied SQLite → SQLite, and SQLite →
//! PostgreSQL → SQLite when a test server is given (`AXIAL_TEST_PG`, always
//! set by `scripts/test.sh`), with counts and checksums equal on every side.

mod common;

use common::Env;
use serde_json::Value;

fn migrate(env: &Env, from: &str, to: &str) -> Value {
    let out = env.ok(&["--json", "migrate", "--from", from, "--to", to]);
    serde_json::from_str(&out).expect("migrate --json prints JSON")
}

/// A fresh database on the test server, named after the test.
fn fresh_pg_database(name: &str) -> Option<String> {
    let url = std::env::var("AXIAL_TEST_PG").ok()?;
    let db = format!("axial_cli_{name}_{}", std::process::id());
    let status = std::process::Command::new("psql")
        .arg(&url)
        .args(["-q", "-c", &format!("CREATE DATABASE {db}")])
        .status()
        .expect("psql runs");
    assert!(status.success(), "could not create database {db}");
    let base = url.rsplit_once('/').expect("a database URL has a path").0;
    Some(format!("{base}/{db}"))
}

#[test]
fn demo_copies_between_backends_and_verifies() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let env = Env::new();
    env.ok(&["demo"]);
    env.ok(&["memo", "new", "A note", "--body", "Zoë's reflections ✓"]);
    env.ok(&["undo"]);
    let src = env.file("axial.db");
    let src = src.to_str().expect("utf-8 path");
    let copy = env.file("copy.db");
    let copy = copy.to_str().expect("utf-8 path");

    let report = migrate(&env, src, copy);
    assert_eq!(report["verified"], true);
    let projects = report["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 1);
    assert!(projects[0]["codings"].as_u64().expect("codings") > 1000);
    assert!(report["changes"].as_u64().expect("changes") > 2);

    // The copy is a working database with the same history: redo still works.
    let stats_a = env.ok(&["--json", "stats"]);
    let stats_b = env.ok(&["--db", copy, "--json", "stats"]);
    assert_eq!(stats_a, stats_b);
    env.ok(&["--db", copy, "redo"]);

    // A target that is not empty is refused and left as it was.
    let err = env.fails(&["migrate", "--from", src, "--to", copy]);
    assert!(err.contains("not empty"), "{err}");
    assert!(env.ok(&["--db", copy, "memo", "list"]).contains("A note"));

    if let Some(pg) = fresh_pg_database("demo") {
        let to_pg = migrate(&env, src, &pg);
        assert_eq!(to_pg["checksum"], report["checksum"]);
        assert_eq!(to_pg["projects"], report["projects"]);
        let back = env.file("back.db");
        let back = back.to_str().expect("utf-8 path");
        let round = migrate(&env, &pg, back);
        assert_eq!(round["checksum"], report["checksum"]);
        assert_eq!(round["projects"], report["projects"]);
        assert_eq!(env.ok(&["--db", &pg, "--json", "stats"]), stats_a);
    }
}
