//! `axial bench` end to end: the demo corpus, once, as JSON. Only the shape
//! and the counts are checked (timings are never judged by tests).

mod common;

use common::Env;

#[test]
fn bench_reports_every_operation_of_the_demo_corpus_as_json() {
    if common::skip_on_postgres("axial bench always uses temporary SQLite databases") {
        return;
    }
    let env = Env::new();
    let v = env.json(&[
        "bench",
        "--corpus",
        "demo",
        "--runs",
        "2",
        "--heavy-runs",
        "2",
    ]);
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
