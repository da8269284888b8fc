//! The audit trail, code genealogy and split over the API, in-process, and
//! the proof that no route edits the change log.

mod common;

use axial_app::App;
use axial_server::{openapi_json, router, ServerConfig};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct Env {
    router: Router,
    csrf: String,
    _dir: tempfile::TempDir,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("audit.db");
    let store = common::open_store(&db.display().to_string()).await;
    let mut e = Env {
        router: router(App::new(store), ServerConfig::default()),
        csrf: String::new(),
        _dir: dir,
    };
    let (status, _, s) = e.raw("GET", "/api/v1/session", None).await;
    assert_eq!(status, StatusCode::OK);
    let s: Value = serde_json::from_slice(&s).expect("session JSON");
    e.csrf = s["csrf_token"].as_str().expect("token").to_string();
    e
}

impl Env {
    async fn raw(
        &self,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut b = Request::builder().method(method).uri(uri);
        if method != "GET" {
            b = b
                .header("x-axial-csrf", &self.csrf)
                .header("content-type", "application/json");
        }
        let req = b
            .body(body.map(|v| Body::from(v.to_string())).unwrap_or_default())
            .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("answer");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (status, headers, bytes.to_vec())
    }

    async fn json(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (s, _, b) = self.raw(method, uri, body).await;
        let v = serde_json::from_slice(&b)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&b).into()));
        (s, v)
    }

    async fn ok(&self, method: &str, uri: &str, body: Option<Value>) -> Value {
        let (s, v) = self.json(method, uri, body).await;
        assert!(s.is_success(), "{method} {uri}: {s} {v}");
        v
    }

    async fn upload(&self, project: &str, name: &str, text: &str) -> String {
        let boundary = "auditboundary";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--{boundary}--\r\n"
        );
        let req = Request::post(format!("/api/v1/projects/{project}/sources"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("x-axial-csrf", &self.csrf)
            .body(Body::from(body))
            .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("answer");
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let v: Value = serde_json::from_slice(&bytes).expect("JSON");
        v["files"][0]["source_id"]
            .as_str()
            .expect("imported")
            .to_string()
    }
}

/// A project with a five-line source and codes a, b, c; a has lines 1 and
/// 2 coded, c lines 3 and 4. Returns (project, source, [a, b, c]).
async fn study(e: &Env) -> (String, String, Vec<String>) {
    let p = e
        .ok(
            "POST",
            "/api/v1/projects",
            Some(json!({"name": "Ward, \"A\" study"})),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let s = e
        .upload(
            &p,
            "t.txt",
            "line one\nline two\nline three\nline four\nline five\n",
        )
        .await;
    let mut ids = Vec::new();
    for n in ["a", "b", "c"] {
        let c = e
            .ok(
                "POST",
                &format!("/api/v1/projects/{p}/codes"),
                Some(json!({"name": n})),
            )
            .await;
        ids.push(c["id"].as_str().expect("id").to_string());
    }
    for (code, line) in [(&ids[0], 1), (&ids[0], 2), (&ids[2], 3), (&ids[2], 4)] {
        e.ok(
            "POST",
            &format!("/api/v1/projects/{p}/codings"),
            Some(json!({"source": s, "code": code, "first_line": line, "last_line": line})),
        )
        .await;
    }
    (p, s, ids)
}

/// The scripted sequence: rename a, move b under a, merge c into a, split
/// one coding of a off to d.
async fn script(e: &Env, p: &str, ids: &[String]) -> String {
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    e.ok(
        "PATCH",
        &format!("/api/v1/projects/{p}/codes/{a}"),
        Some(json!({"name": "alpha"})),
    )
    .await;
    e.ok(
        "POST",
        &format!("/api/v1/projects/{p}/codes/{b}/move"),
        Some(json!({"parent": a})),
    )
    .await;
    e.ok(
        "POST",
        &format!("/api/v1/projects/{p}/codes/{c}/merge"),
        Some(json!({"into": a})),
    )
    .await;
    let trail = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?action=coding.apply&limit=1000"),
            None,
        )
        .await;
    let first_coding = trail["entries"]
        .as_array()
        .expect("entries")
        .last()
        .expect("the oldest coding")["ops"][0]["id"]
        .as_str()
        .expect("coding id")
        .to_string();
    let (s, split) = e
        .json(
            "POST",
            &format!("/api/v1/projects/{p}/codes/{a}/split"),
            Some(json!({"name": "d", "codings": [first_coding]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{split}");
    assert_eq!(split["codings_moved"], 1);
    split["id"].as_str().expect("id").to_string()
}

fn steps(g: &Value) -> Vec<String> {
    g["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["step"].as_str().expect("step").to_string())
        .collect()
}

#[tokio::test]
async fn genealogy_of_a_tells_every_step_in_order_with_c_nested() {
    let e = env().await;
    let (p, _, ids) = study(&e).await;
    let d = script(&e, &p, &ids).await;
    let g = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/codes/{}/genealogy", ids[0]),
            None,
        )
        .await;
    assert_eq!(g["name"], "alpha");
    assert_eq!(g["exists"], true);
    assert_eq!(
        steps(&g),
        ["created", "renamed", "child_added", "merged", "split"],
        "{g:#}"
    );
    let ev = &g["events"];
    assert_eq!(
        (ev[1]["from"].as_str(), ev[1]["to"].as_str()),
        (Some("a"), Some("alpha"))
    );
    assert_eq!(ev[2]["other"]["name"], "b");
    assert_eq!(ev[3]["other"]["name"], "c");
    assert_eq!(ev[3]["codings"], 2);
    assert_eq!(steps(&ev[3]["merged"]), ["created"]);
    assert_eq!(ev[3]["merged"]["name"], "c");
    assert_eq!(ev[4]["other"]["id"], d.as_str());
    let seqs: Vec<i64> = ev
        .as_array()
        .expect("events")
        .iter()
        .map(|x| x["seq"].as_i64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // c is gone, but its story is still there, ending in the merge.
    let gc = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/codes/{}/genealogy", ids[2]),
            None,
        )
        .await;
    assert_eq!(gc["exists"], false);
    assert_eq!(steps(&gc), ["created", "merged_into"]);
    let gd = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/codes/{d}/genealogy"),
            None,
        )
        .await;
    assert_eq!(steps(&gd), ["split_from"]);

    let (s, v) = e
        .json(
            "GET",
            &format!(
                "/api/v1/projects/{p}/codes/{}/genealogy",
                "00000000-0000-4000-8000-000000000000"
            ),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}

#[tokio::test]
async fn split_refuses_codings_of_other_codes_and_empty_lists() {
    let e = env().await;
    let (p, _, ids) = study(&e).await;
    let (s, v) = e
        .json(
            "POST",
            &format!("/api/v1/projects/{p}/codes/{}/split", ids[0]),
            Some(json!({"name": "d", "codings": []})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let trail = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?action=coding.apply"),
            None,
        )
        .await;
    // The newest coding belongs to c, not a.
    let of_c = trail["entries"][0]["ops"][0]["id"].as_str().expect("id");
    let before = e
        .ok("GET", &format!("/api/v1/projects/{p}/audit"), None)
        .await;
    let (s, v) = e
        .json(
            "POST",
            &format!("/api/v1/projects/{p}/codes/{}/split", ids[0]),
            Some(json!({"name": "d", "codings": [of_c]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("not a coding of 'a'")));
    let after = e
        .ok("GET", &format!("/api/v1/projects/{p}/audit"), None)
        .await;
    assert_eq!(before, after, "a refused split changes nothing");
}

#[tokio::test]
async fn audit_pages_filters_and_names_changed_fields() {
    let e = env().await;
    let (p, _, ids) = study(&e).await;
    e.ok(
        "PATCH",
        &format!("/api/v1/projects/{p}/codes/{}", ids[1]),
        Some(json!({"description": "about b"})),
    )
    .await;
    let page = e
        .ok("GET", &format!("/api/v1/projects/{p}/audit?limit=2"), None)
        .await;
    let entries = page["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    let newest = &entries[0];
    assert_eq!(newest["action"], "code.update");
    assert_eq!(newest["author"], newest["author_name"]);
    assert!(newest["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(newest["ops"][0]["entity"], "code");
    assert_eq!(newest["ops"][0]["label"], "b");
    assert_eq!(
        newest["ops"][0]["changes"],
        json!([{"field": "description", "before": "", "after": "about b"}])
    );
    let cursor = page["next_before"].as_i64().expect("more pages");
    let next = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?limit=2&before={cursor}"),
            None,
        )
        .await;
    assert!(next["entries"][0]["seq"].as_i64().expect("seq") < cursor);

    let codes = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?entity=code&action=code.create"),
            None,
        )
        .await;
    assert_eq!(codes["entries"].as_array().expect("entries").len(), 3);
    assert!(codes["next_before"].is_null());
    let codings = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?entity=coding"),
            None,
        )
        .await;
    assert_eq!(codings["entries"].as_array().expect("entries").len(), 4);
    assert!(codings["entries"][0]["ops"][0]["label"]
        .as_str()
        .is_some_and(|l| l.contains("'c'") && l.contains("'t'")));
    let future = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?since=2999-01-01"),
            None,
        )
        .await;
    assert!(future["entries"].as_array().expect("entries").is_empty());
    let past = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?until=2000-01-01"),
            None,
        )
        .await;
    assert!(past["entries"].as_array().expect("entries").is_empty());

    for (q, field) in [
        ("action=code.explode", "action"),
        ("entity=widget", "entity"),
        ("since=yesterday", "since"),
    ] {
        let (s, v) = e
            .json("GET", &format!("/api/v1/projects/{p}/audit?{q}"), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
        assert_eq!(v["error"]["fields"], json!([field]), "{v}");
    }
    let (s, v) = e
        .json(
            "GET",
            &format!("/api/v1/projects/{p}/audit?author=nobody"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}

/// Splits RFC 4180 CSV into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[tokio::test]
async fn audit_csv_has_a_header_and_one_quoted_row_per_op() {
    let e = env().await;
    let (p, _, ids) = study(&e).await;
    e.ok(
        "PATCH",
        &format!("/api/v1/projects/{p}/codes/{}", ids[1]),
        Some(json!({"name": "b, \"quoted\"", "description": "two\nlines"})),
    )
    .await;
    e.ok(
        "POST",
        &format!("/api/v1/projects/{p}/codes"),
        Some(json!({"name": "=HYPERLINK(\"x\")"})),
    )
    .await;
    let (s, headers, body) = e
        .raw("GET", &format!("/api/v1/projects/{p}/audit.csv"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/csv")));
    assert!(headers["content-disposition"]
        .to_str()
        .is_ok_and(|d| d.starts_with("attachment;") && d.contains("audit.csv")));
    let text = String::from_utf8(body).expect("UTF-8");
    let rows = parse_csv(&text);
    assert_eq!(
        rows[0],
        axial_app::AUDIT_CSV_HEADER
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
    );
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{rows:?}");
    // One row per op: the project, the source, three codes, four codings,
    // the rename, the new code.
    let all = e
        .ok(
            "GET",
            &format!("/api/v1/projects/{p}/audit?limit=1000"),
            None,
        )
        .await;
    let ops: usize = all["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["ops"].as_array().expect("ops").len().max(1))
        .sum();
    assert_eq!(rows.len() - 1, ops);
    let rename = rows
        .iter()
        .find(|r| r[4] == "code.update")
        .expect("the rename row");
    assert_eq!(rename[10], "b, \"quoted\"");
    assert_eq!(
        rename[11],
        "description:  → two lines; name: b → b, \"quoted\""
    );
    let formula = rows
        .iter()
        .find(|r| r[4] == "code.create" && r[10].contains("HYPERLINK"))
        .expect("the formula-looking code");
    assert!(formula[10].starts_with("'="), "{}", formula[10]);
    let filtered = e
        .raw(
            "GET",
            &format!("/api/v1/projects/{p}/audit.csv?entity=coding"),
            None,
        )
        .await;
    let rows = parse_csv(&String::from_utf8(filtered.2).expect("UTF-8"));
    assert_eq!(rows.len(), 1 + 4);
}

/// The change log is append-only: the API offers no way to edit or delete
/// an entry. Every route on the history or audit is a GET; undo and redo
/// are POSTs that add new entries and leave the old ones as they were.
#[tokio::test]
async fn no_route_edits_the_change_log() {
    let doc: Value = serde_json::from_str(&openapi_json()).expect("OpenAPI JSON");
    let paths = doc["paths"].as_object().expect("paths");
    let log_words = ["history", "audit", "audit.csv", "changes", "change", "log"];
    let mut log_routes = 0;
    for (path, item) in paths {
        let methods: Vec<&str> = item
            .as_object()
            .expect("path item")
            .keys()
            .map(String::as_str)
            .filter(|m| {
                matches!(
                    *m,
                    "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
                )
            })
            .collect();
        let on_log = path
            .split('/')
            .any(|seg| log_words.contains(&seg) || seg.starts_with("{change") || seg == "{seq}");
        if on_log {
            log_routes += 1;
            assert_eq!(methods, ["get"], "{path} must only be read");
        }
        let last = path.rsplit('/').next().unwrap_or_default();
        if matches!(last, "undo" | "redo") {
            assert_eq!(methods, ["post"], "{path}");
        }
        for m in &methods {
            assert!(
                !(matches!(*m, "put" | "patch" | "delete") && on_log),
                "{m} {path} would edit the log"
            );
        }
    }
    assert!(
        log_routes >= 3,
        "history, audit and audit.csv are in the document"
    );

    // Undo adds an entry and leaves the original one unchanged (but for the
    // mark saying which undo reverted it); redo adds another.
    let e = env().await;
    let (p, _, ids) = study(&e).await;
    e.ok(
        "PATCH",
        &format!("/api/v1/projects/{p}/codes/{}", ids[0]),
        Some(json!({"name": "renamed"})),
    )
    .await;
    let uri = format!("/api/v1/projects/{p}/audit?limit=1000");
    let before = e.ok("GET", &uri, None).await["entries"].clone();
    let undo = e
        .ok("POST", &format!("/api/v1/projects/{p}/undo"), None)
        .await;
    let redo = e
        .ok("POST", &format!("/api/v1/projects/{p}/redo"), None)
        .await;
    let after = e.ok("GET", &uri, None).await["entries"].clone();
    let before = before.as_array().expect("entries");
    let after = after.as_array().expect("entries");
    assert_eq!(after.len(), before.len() + 2);
    assert_eq!(after[1]["seq"], undo["seq"]);
    assert_eq!(after[1]["action"], "undo");
    assert_eq!(after[1]["reverts"], before[0]["seq"]);
    assert_eq!(after[0]["seq"], redo["seq"]);
    assert_eq!(after[0]["action"], "redo");
    for old in before {
        let now = after
            .iter()
            .find(|x| x["seq"] == old["seq"])
            .expect("every entry is still there");
        let mut now = now.clone();
        let mut old = old.clone();
        let marked = now["reverted_by"].clone();
        now["reverted_by"] = Value::Null;
        old["reverted_by"] = Value::Null;
        assert_eq!(now, old, "entry {} changed", old["seq"]);
        if old["seq"] == before[0]["seq"] {
            assert_eq!(marked, undo["seq"]);
        }
    }
}
