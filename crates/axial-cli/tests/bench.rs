//! `axial bench` end to end: the demo corpus, as JSON, on SQLite files or
//! (with `AXIAL_TEST_BACKEND=postgres`) in databases it creates on the test
//! server and drops afterwards. Only the shape and the counts are checked
//! (timings are never judged by tests).

mod common;

use common::Env;

#[test]
fn bench_reports_every_operation_of_the_demo_corpus_as_json() {
    let env = Env::new();
    let server =
        common::on_postgres().then(|| std::env::var("AXIAL_TEST_PG").expect("AXIAL_TEST_PG"));
    let mut args = vec![
        "bench",
        "--corpus",
        "demo",
        "--runs",
        "2",
        "--heavy-runs",
        "2",
    ];
    if let Some(url) = &server {
        args.extend(["--postgres", url.as_str()]);
    }
    let v = env.json(&args);
    assert_eq!(
        v["backend"],
        if server.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    );
    if let Some(url) = &server {
        // Every database the run created is gone again.
        let out = std::process::Command::new("psql")
            .args([url.as_str(), "-Atc", "SELECT datname FROM pg_database"])
            .output()
            .expect("psql runs");
        let names = String::from_utf8_lossy(&out.stdout);
        let prefix = "axial_bench_";
        assert!(!names.contains(prefix), "left behind: {names}");
    }
    let r = &v["report"];
    assert_eq!(r["corpus"], "demo");
    assert_eq!(r["sources"], 83, "the demo study's sources");
    let ops: Vec<&str> = r["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .map(|o| o["op"].as_str().expect("op key"))
        .collect();
    assert_eq!(
        ops,
        [
            "import",
            "parse",
            "memory_scan",
            "search",
            "segments",
            "apply_one",
            "matrix",
            "agreement",
            "qdpx_export",
            "qdpx_import"
        ],
        "skipped: {}",
        r["skipped"]
    );
    for o in r["ops"].as_array().expect("ops") {
        let t = &o["timing"];
        assert!(t["runs"].as_u64().expect("runs") >= 1, "{o}");
        let (lo, mid, hi) = (
            t["min_ms"].as_f64().expect("min"),
            t["median_ms"].as_f64().expect("median"),
            t["max_ms"].as_f64().expect("max"),
        );
        assert!(lo <= mid && mid <= hi, "{o}");
    }
    // Heavy operations were repeated in scratch databases.
    let import = &r["ops"][0]["timing"];
    assert_eq!(import["runs"], 2);
    let search = r["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .find(|o| o["op"] == "search")
        .expect("search");
    assert!(search["fraction_of_scan"].as_f64().expect("fraction") > 0.0);
    assert!(v["database_bytes"].as_u64().expect("size") > 0);
    assert!(v["layout"]["codings"].as_u64() == Some(2000));
    assert!(v["cli_start"]["runs"].as_u64().expect("cli runs") >= 2);
}

#[test]
fn bench_refuses_an_unknown_corpus() {
    let env = Env::new();
    let err = env.fails(&["bench", "--corpus", "w9"]);
    assert!(err.contains("demo") && err.contains("w3"), "{err}");
}

#[test]
fn bench_on_postgres_explains_a_server_it_cannot_reach() {
    let env = Env::new();
    // Port 1 on loopback: nothing listens there.
    let err = env.fails(&[
        "bench",
        "--corpus",
        "demo",
        "--postgres",
        "postgres://nobody@127.0.0.1:1/postgres",
    ]);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    // Nothing was created, so nothing is dropped (or warned about).
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn bench_refuses_keep_with_postgres() {
    let env = Env::new();
    let err = env.fails(&[
        "bench",
        "--keep",
        "b.db",
        "--postgres",
        "postgres://u@127.0.0.1:1/postgres",
    ]);
    assert!(
        err.contains("--keep") && err.contains("--postgres"),
        "{err}"
    );
}
