//! Analysis API tests, in-process over the demo study: the code × staff-group
//! matrix and the segments behind a cell, saturation (JSON and SVG),
//! inter-coder agreement, queries saved and re-run, negative cases,
//! co-occurrence, words/KWIC and report downloads.

mod common;

use axial_app::App;
use axial_server::{router, ServerConfig};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct Env {
    router: Router,
    csrf: String,
    project: String,
    _dir: tempfile::TempDir,
}

/// The demo study on a fresh SQLite database.
async fn demo() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let store = common::open_store(&db.display().to_string()).await;
    let app = App::new(store);
    let (project, _) = app.build_demo(&|_| {}).await.expect("demo builds");
    let mut e = Env {
        router: router(app, ServerConfig::default()),
        csrf: String::new(),
        project: project.id.to_string(),
        _dir: dir,
    };
    let (_, s, _) = e.raw("GET", "/api/v1/session", None).await;
    e.csrf = serde_json::from_slice::<Value>(&s).expect("session json")["csrf_token"]
        .as_str()
        .expect("token")
        .to_string();
    e
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Env {
    async fn raw(
        &self,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("x-axial-csrf", &self.csrf);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .expect("request");
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (status, bytes.to_vec(), headers)
    }

    /// GET `/api/v1/projects/{demo}/analysis/{path}`, expecting 200 JSON.
    async fn get(&self, path: &str) -> Value {
        let (status, v) = self.try_get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {v}");
        v
    }

    async fn try_get(&self, path: &str) -> (StatusCode, Value) {
        let uri = format!("/api/v1/projects/{}/analysis/{path}", self.project);
        let (status, bytes, _) = self.raw("GET", &uri, None).await;
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, v)
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let uri = format!("/api/v1/projects/{}/analysis/{path}", self.project);
        let (status, bytes, _) = self.raw("POST", &uri, Some(body)).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

#[tokio::test]
async fn matrix_shows_efficiency_pressure_more_among_front_line_staff_than_senior_managers() {
    let e = demo().await;
    let m = e
        .get(&format!(
            "matrix?by={}&codes={}&percent=row",
            enc("staff group"),
            enc("Efficiency pressure")
        ))
        .await;
    assert_eq!(m["by"], "staff group");
    assert_eq!(m["rows"], json!(["Efficiency pressure"]));
    let columns: Vec<&str> = m["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().expect("label"))
        .collect();
    let col = |name: &str| {
        columns
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("no column {name} in {columns:?}"))
    };
    // Segments per interviewed source in the column: a rate, so group size
    // does not decide the comparison.
    let rate = |name: &str| {
        let j = col(name);
        let cell = &m["matrix"]["cells"][0][j];
        let sources = f(&m["matrix"]["columns"][j]["sources"]);
        assert!(sources > 0.0, "{name} has sources");
        f(&cell["segments"]) / sources
    };
    let clinician = rate("front line clinician");
    let senior = rate("senior manager");
    assert!(
        clinician > senior,
        "front line clinician {clinician} segments per source vs senior manager {senior}"
    );
    // Row percentages add up to 100 and each cell lists the codings behind it.
    let total: f64 = m["percentages"][0]
        .as_array()
        .expect("percent row")
        .iter()
        .filter_map(Value::as_f64)
        .sum();
    assert!(
        (total - 100.0).abs() < 1e-6,
        "row percentages sum to {total}"
    );
    let cell = &m["matrix"]["cells"][0][col("front line clinician")];
    let ids = cell["codings"].as_array().expect("coding ids");
    assert_eq!(ids.len() as f64, f(&cell["segments"]));

    // The segments behind that cell come back attributed to front line clinicians.
    let (status, segs) = e.post("segments", json!({ "codings": ids })).await;
    assert_eq!(status, StatusCode::OK, "{segs}");
    let segs = segs.as_array().expect("segments");
    assert_eq!(segs.len(), ids.len());
    for s in segs {
        assert!(
            s["attribution"]
                .as_str()
                .is_some_and(|a| a.contains("front line clinician")),
            "{s}"
        );
        assert!(s["code_path"]
            .as_str()
            .is_some_and(|p| p.starts_with("Efficiency pressure")));
        assert!(!s["text"].as_str().unwrap_or_default().is_empty());
    }
}

#[tokio::test]
async fn matrix_rejects_unknown_measures_and_variables() {
    let e = demo().await;
    let (status, v) = e.try_get("matrix?measure=bogus").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"], json!(["measure"]));
    let (status, v) = e.try_get("matrix?by=shoe%20size").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, v) = e.post("segments", json!({ "codings": ["nope"] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn matrix_downloads_as_svg_and_csv() {
    let e = demo().await;
    let uri = format!("/api/v1/projects/{}/analysis/matrix.svg", e.project);
    let (status, bytes, headers) = e.raw("GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .is_ok_and(|c| c.starts_with("image/svg+xml")));
    let svg = String::from_utf8(bytes).expect("utf-8");
    assert!(
        svg.starts_with("<svg") && svg.contains("senior manager"),
        "{svg}"
    );

    let uri = format!(
        "/api/v1/projects/{}/analysis/matrix/table?format=csv",
        e.project
    );
    let (status, bytes, headers) = e.raw("GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"]
        .to_str()
        .is_ok_and(|c| c.contains("attachment") && c.ends_with(".csv\"")));
    let csv = String::from_utf8(bytes).expect("utf-8");
    assert!(
        csv.lines().next().is_some_and(|h| h.starts_with("code,")),
        "{csv}"
    );
    assert!(csv.contains("Efficiency pressure"), "{csv}");
}

#[tokio::test]
async fn saturation_finds_fewer_new_codes_in_later_interviews() {
    let e = demo().await;
    let v = e.get("saturation?base=4&run=2&threshold=5%25").await;
    let acc = v["report"]["accumulation"]
        .as_array()
        .expect("accumulation");
    assert!(acc.len() >= 10, "{} interviews", acc.len());
    let new: Vec<f64> = acc.iter().map(|r| f(&r["new"])).collect();
    let half = new.len() / 2;
    let early: f64 = new[..half].iter().sum();
    let late: f64 = new[half..].iter().sum();
    assert!(
        early > late,
        "new codes early {early} vs late {late}: {new:?}"
    );
    // The cumulative curve never falls, and the names match the counts.
    for w in acc.windows(2) {
        assert!(f(&w[1]["cumulative"]) >= f(&w[0]["cumulative"]));
    }
    for (row, names) in acc
        .iter()
        .zip(v["new_code_names"].as_array().expect("names"))
    {
        assert_eq!(
            f(&row["new"]) as usize,
            names.as_array().expect("list").len()
        );
    }
    // Every parameter is stated.
    let g = &v["report"]["guest"][0];
    assert_eq!(g["params"]["base"], 4);
    assert_eq!(g["params"]["run"], 2);
    assert_eq!(g["params"]["threshold"], json!({ "num": 5, "den": 100 }));
    assert!(g["runs"].as_array().is_some_and(|r| !r.is_empty()));
    assert!(v["report"]["chao2"]["s_obs"]
        .as_u64()
        .is_some_and(|n| n > 0));
    assert!(v["galvin"].as_array().is_some_and(|g| !g.is_empty()));

    let (status, bad) = e.try_get("saturation?threshold=lots").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(bad["error"]["fields"], json!(["threshold"]));
}

#[tokio::test]
async fn saturation_curve_is_svg() {
    let e = demo().await;
    let uri = format!("/api/v1/projects/{}/analysis/saturation.svg", e.project);
    let (status, bytes, headers) = e.raw("GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .is_ok_and(|c| c.starts_with("image/svg+xml")));
    let svg = String::from_utf8(bytes).expect("utf-8");
    assert!(svg.starts_with("<svg") && svg.contains("<title>Code saturation"));
    assert!(
        svg.contains("<polyline") || svg.contains("<path"),
        "a curve is drawn"
    );
}

#[tokio::test]
async fn agreement_between_the_two_demo_coders() {
    let e = demo().await;
    let coders = e.get("coders").await;
    let names: Vec<&str> = coders
        .as_array()
        .expect("coders")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"researcher") && names.contains(&"second coder"),
        "{names:?}"
    );

    let v = e
        .get(&format!(
            "agreement?coders={}",
            enc("researcher,second coder")
        ))
        .await;
    assert_eq!(v["coders"], json!(["researcher", "second coder"]));
    let codes = v["report"]["codes"].as_array().expect("per-code rows");
    assert!(!codes.is_empty());
    // Per code, kappa is a proper coefficient; over the codes the two coders
    // agree well beyond chance but not perfectly (the demo's second coder
    // differs on purpose).
    let kappas: Vec<f64> = codes
        .iter()
        .filter_map(|c| c["pairs"][0]["pooled"]["cohen_kappa"].as_f64())
        .collect();
    assert!(!kappas.is_empty(), "some code has a defined kappa");
    for k in &kappas {
        assert!((-1.0..=1.0).contains(k), "kappa {k}");
    }
    let mean = kappas.iter().sum::<f64>() / kappas.len() as f64;
    assert!(
        mean > 0.0 && mean < 1.0,
        "mean kappa {mean} over {kappas:?}"
    );
    let segment_kappa = f(&v["report"]["segments"][0]["kappa"]);
    assert!(
        (0.0..=1.0).contains(&segment_kappa),
        "MAXQDA kappa {segment_kappa}"
    );
    assert!(!v["disagreements"].as_array().expect("list").is_empty());
    let d = &v["disagreements"][0];
    assert!(!d["text"].as_str().unwrap_or_default().is_empty(), "{d}");
    assert!(v["report"]["segments"]
        .as_array()
        .is_some_and(|s| s.len() == 2));

    let (status, one) = e.try_get("agreement?coders=researcher").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{one}");
}

#[tokio::test]
async fn a_query_is_saved_and_re_run() {
    let e = demo().await;
    let q = "\"Not enough time\" NEAR 200 \"Guilt when standards slip\"";
    let ran = e
        .get(&format!(
            "query?q={}&where={}",
            enc(q),
            enc("staff group=front line clinician")
        ))
        .await;
    let hits = ran["segments"].as_array().expect("segments").len();
    assert!(hits > 0, "{ran}");
    assert!(ran["restriction"]
        .as_str()
        .is_some_and(|r| r.contains("front line clinician")));

    let (status, saved) = e
        .post(
            "queries",
            json!({ "name": "time and guilt", "query": q,
                    "filters": [{ "variable": "staff group", "value": "front line clinician" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let list = e.get("queries").await;
    assert!(list
        .as_array()
        .expect("list")
        .iter()
        .any(|s| s["name"] == "time and guilt" && s["query"] == q));
    let again = e
        .get(&format!("queries/{}/run", enc("time and guilt")))
        .await;
    assert_eq!(again["segments"].as_array().expect("segments").len(), hits);

    let (status, bad) = e
        .try_get(&format!("query?q={}", enc("\"Nope code\" AND")))
        .await;
    assert_eq!(status.as_u16() / 100, 4, "{bad}");
}

#[tokio::test]
async fn negative_cases_cooccurrence_and_words() {
    let e = demo().await;
    let neg = e
        .get(&format!("negative?code={}", enc("Efficiency pressure")))
        .await;
    assert_eq!(neg["code"], "Efficiency pressure");
    assert!(neg["sources_searched"].as_u64().is_some_and(|n| n > 0));

    let co = e.get("cooccurrence?mode=near&chars=200").await;
    assert_eq!(co["result"]["params"]["proximity"]["kind"], "within");
    assert!(co["result"]["cells"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
    let (status, _) = e.try_get("cooccurrence?mode=sideways").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let w = e.get("words?top=10").await;
    let words = w["result"]["words"].as_array().expect("words");
    assert!(!words.is_empty() && words.len() <= 10, "{w}");
    assert!(
        !words.iter().any(|x| x["word"] == "the"),
        "stop words left out"
    );
    let k = e.get("kwic?term=time&context=5").await;
    let lines = k["lines"].as_array().expect("lines");
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| l["keyword"]
        .as_str()
        .is_some_and(|w| w.eq_ignore_ascii_case("time"))));
}

#[tokio::test]
async fn reports_download_in_every_format() {
    let e = demo().await;
    let base = format!("/api/v1/projects/{}/analysis/reports", e.project);
    for (path, ext, magic) in [
        (
            format!("themes?codes={}&format=docx", enc("Efficiency pressure")),
            "docx",
            &b"PK"[..],
        ),
        (
            format!("themes?codes={}&format=html", enc("Efficiency pressure")),
            "html",
            &b"<!"[..],
        ),
        (
            format!("themes?codes={}&format=md", enc("Efficiency pressure")),
            "md",
            &b"# "[..],
        ),
        (
            format!("segments?code={}&format=xlsx", enc("Not enough time")),
            "xlsx",
            &b"PK"[..],
        ),
        (
            format!("segments?code={}&format=csv", enc("Not enough time")),
            "csv",
            &b"source,"[..],
        ),
        ("codebook?format=docx".to_string(), "docx", &b"PK"[..]),
        ("codebook?format=md".to_string(), "md", &b"# "[..]),
    ] {
        let (status, bytes, headers) = e.raw("GET", &format!("{base}/{path}"), None).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let cd = headers["content-disposition"].to_str().expect("ascii");
        assert!(cd.ends_with(&format!(".{ext}\"")), "{path}: {cd}");
        assert!(
            bytes.starts_with(magic),
            "{path}: starts {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
        );
    }
    let md = e
        .raw(
            "GET",
            &format!(
                "{base}/themes?codes={}&format=md",
                enc("Efficiency pressure")
            ),
            None,
        )
        .await
        .1;
    let md = String::from_utf8(md).expect("utf-8");
    assert!(md.contains("(Interviewee"), "quotes are attributed: {md}");
    let (status, _, _) = e
        .raw("GET", &format!("{base}/codebook?format=pdf"), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn analysis_routes_are_in_the_openapi_document() {
    let doc: Value = serde_json::from_str(&axial_server::openapi_json()).expect("json");
    for p in [
        "/projects/{project}/analysis/matrix",
        "/projects/{project}/analysis/segments",
        "/projects/{project}/analysis/saturation.svg",
        "/projects/{project}/analysis/agreement",
        "/projects/{project}/analysis/reports/themes",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} documented");
    }
}
