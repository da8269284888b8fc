//! API tests in-process: `router(app).oneshot(request)` against an app on a
//! fresh SQLite database in a temporary directory, plus a few end-to-end
//! requests over a real socket on 127.0.0.1:0.

mod common;

use axial_app::App;
use axial_server::{router, serve, ServerConfig};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

struct Env {
    router: Router,
    csrf: String,
    _dir: tempfile::TempDir,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("api.db");
    let store = common::open_store(&db.display().to_string()).await;
    let router = router(App::new(store), ServerConfig::default());
    let mut e = Env {
        router,
        csrf: String::new(),
        _dir: dir,
    };
    let (status, s) = e.get("/api/v1/session").await;
    assert_eq!(status, StatusCode::OK);
    e.csrf = s["csrf_token"]
        .as_str()
        .expect("session has a token")
        .to_string();
    e
}

async fn demo_env() -> (Env, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let store = common::open_store(&db.display().to_string()).await;
    let app = App::new(store);
    let (project, _) = app.build_demo(&|_| {}).await.expect("demo builds");
    let router = router(app, ServerConfig::default());
    let mut e = Env {
        router,
        csrf: String::new(),
        _dir: dir,
    };
    let (_, s) = e.get("/api/v1/session").await;
    e.csrf = s["csrf_token"].as_str().expect("token").to_string();
    (e, project.id.to_string())
}

impl Env {
    async fn send(&self, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, v, headers)
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let (s, v, _) = self
            .send(Request::get(uri).body(Body::empty()).expect("request"))
            .await;
        (s, v)
    }

    async fn call(&self, method: &str, uri: &str, body: Value) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("x-axial-csrf", &self.csrf)
            .body(Body::from(body.to_string()))
            .expect("request");
        let (s, v, _) = self.send(req).await;
        (s, v)
    }

    async fn project(&self, name: &str) -> String {
        let (s, p) = self
            .call("POST", "/api/v1/projects", json!({ "name": name }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        p["id"].as_str().expect("id").to_string()
    }

    async fn upload(&self, project: &str, files: &[(&str, &[u8])]) -> (StatusCode, Value) {
        let boundary = "axialboundary7f3a";
        let mut body = Vec::new();
        for (name, bytes) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::post(format!("/api/v1/projects/{project}/sources"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("x-axial-csrf", &self.csrf)
            .body(Body::from(body))
            .expect("request");
        let (s, v, _) = self.send(req).await;
        (s, v)
    }

    /// Uploads one text file and returns the new source's id.
    async fn source(&self, project: &str, name: &str, text: &str) -> String {
        let (s, r) = self.upload(project, &[(name, text.as_bytes())]).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["files"][0]["status"], "imported", "{r}");
        r["files"][0]["source_id"]
            .as_str()
            .expect("source id")
            .to_string()
    }

    async fn code(&self, project: &str, name: &str) -> String {
        let (s, c) = self
            .call(
                "POST",
                &format!("/api/v1/projects/{project}/codes"),
                json!({ "name": name }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        c["id"].as_str().expect("id").to_string()
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Every error has the one shape `{ "error": { "code", "message" } }`.
fn check_error(v: &Value, code: &str) {
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
}

#[tokio::test]
async fn projects_are_created_and_listed() {
    let e = env().await;
    let id = e.project("Ward study").await;
    let (s, list) = e.get("/api/v1/projects").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list[0]["name"], "Ward study");
    assert_eq!(list[0]["id"], id.as_str());
    let (s, dup) = e
        .call("POST", "/api/v1/projects", json!({ "name": "ward study" }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    check_error(&dup, "exists");
    let (s, bad) = e
        .call("POST", "/api/v1/projects", json!({ "name": "  " }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    check_error(&bad, "invalid");
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_and_our_origin() {
    let e = env().await;
    let post = |headers: &[(&str, &str)]| {
        let mut b = Request::post("/api/v1/projects").header("content-type", "application/json");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::from(r#"{"name":"forged"}"#)).expect("request")
    };
    let token = e.csrf.clone();
    for (headers, why) in [
        (vec![], "no token"),
        (vec![("x-axial-csrf", "wrong")], "wrong token"),
        (
            vec![
                ("x-axial-csrf", token.as_str()),
                ("sec-fetch-site", "cross-site"),
            ],
            "cross-site fetch",
        ),
        (
            vec![
                ("x-axial-csrf", token.as_str()),
                ("host", "127.0.0.1:7878"),
                ("origin", "http://evil.example"),
            ],
            "foreign origin",
        ),
        (
            vec![
                ("x-axial-csrf", token.as_str()),
                ("host", "evil.example:7878"),
            ],
            "rebound host name",
        ),
    ] {
        let (s, v, _) = e.send(post(&headers)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{why}: {v}");
        assert!(
            v["error"]["code"] == "csrf" || v["error"]["code"] == "host",
            "{why}: {v}"
        );
    }
    let (_, list) = e.get("/api/v1/projects").await;
    assert_eq!(list, json!([]), "no forged request got through");
    let ok = post(&[
        ("x-axial-csrf", token.as_str()),
        ("host", "localhost:7878"),
        ("origin", "http://localhost:7878"),
        ("sec-fetch-site", "same-origin"),
    ]);
    let (s, v, _) = e.send(ok).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let e = env().await;
    for uri in ["/", "/api/v1/projects", "/assets/js/main.js"] {
        let (s, _, h) = e
            .send(Request::get(uri).body(Body::empty()).expect("request"))
            .await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("object-src 'none'")
                && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{uri}"
        );
    }
    let (_, _, h) = e
        .send(
            Request::get("/assets/js/main.js")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(h
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/javascript")));
}

#[tokio::test]
async fn hostile_text_comes_back_as_data() {
    let e = env().await;
    let p = e.project("XSS").await;
    let text = format!("Interviewer: {HOSTILE}\nParticipant: fine <script>alert(2)</script>\n");
    let s = e.source(&p, "hostile.txt", &text).await;
    let code = e.code(&p, HOSTILE).await;
    let (st, m) = e
        .call("POST", &format!("/api/v1/projects/{p}/memos"), json!({ "title": HOSTILE, "body": format!("**bold** {HOSTILE}"), "links": [{ "type": "code", "id": code }] }))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    let line1 = text.lines().next().expect("line");
    let (st, r) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codings"),
            json!({ "source": s, "code": code, "start_utf16": 0, "end_utf16": utf16_len(line1) }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");

    let (_, layout) = e
        .get(&format!("/api/v1/projects/{p}/sources/{s}/layout"))
        .await;
    assert_eq!(layout["lines"][0]["text"], line1);
    assert_eq!(layout["lines"][0]["segments"][0]["code_name"], HOSTILE);
    let (_, tree) = e.get(&format!("/api/v1/projects/{p}/codes")).await;
    assert_eq!(tree[0]["name"], HOSTILE);
    let (_, memos) = e
        .get(&format!(
            "/api/v1/projects/{p}/memos?link_type=code&link_id={code}"
        ))
        .await;
    assert_eq!(memos[0]["title"], HOSTILE);
    assert_eq!(memos[0]["body"], format!("**bold** {HOSTILE}"));
}

#[tokio::test]
async fn uploads_report_each_file() {
    let e = env().await;
    let p = e.project("Uploads").await;
    let (s, r) = e
        .upload(
            &p,
            &[
                ("one.txt", b"Interviewer: hello\nAnna: hi there\n"),
                ("same.txt", b"Interviewer: hello\nAnna: hi there\n"),
                ("broken.docx", b"not a zip at all"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let statuses: Vec<&str> = r["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(statuses, ["imported", "duplicate", "error"], "{r}");
    assert!(r["files"][2]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    let (_, sources) = e.get(&format!("/api/v1/projects/{p}/sources")).await;
    assert_eq!(sources.as_array().map(Vec::len), Some(1));
    assert_eq!(sources[0]["name"], "one");
}

#[tokio::test]
async fn browser_offsets_round_trip_on_hard_text() {
    let e = env().await;
    let p = e.project("Offsets").await;
    let text = "Zoë: I felt 😀 then e\u{301}tonné\r\nשלום: the ward — مرحبا بالعالم — was 👩\u{200d}⚕️ busy\r\nend\r\n";
    let s = e.source(&p, "hard.txt", text).await;
    // Import normalises Windows line endings; the browser sees (and counts) the stored text.
    let stored = text.replace("\r\n", "\n");
    let text = stored.as_str();
    let code = e.code(&p, "mixed").await;
    // What a browser selects: from "😀" to "مرحبا", counted in UTF-16 units.
    for (from, to) in [
        ("😀", "مرحبا"),
        ("e\u{301}", "é"),
        ("שלום", "busy"),
        ("Zoë", "end"),
    ] {
        let a = text.find(from).expect("from");
        let b = text.find(to).expect("to") + to.len();
        let want = &text[a..b];
        let (st, r) = e
            .call("POST", &format!("/api/v1/projects/{p}/codings"), json!({ "source": s, "code": code, "start_utf16": utf16_len(&text[..a]), "end_utf16": utf16_len(&text[..b]) }))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        let id = r["codings"][0].as_str().expect("coding id");
        let (_, c) = e.get(&format!("/api/v1/projects/{p}/codings/{id}")).await;
        assert_eq!(c["text"], want, "{from}..{to}");
        assert_eq!(c["start_utf16"], utf16_len(&text[..a]));
        assert_eq!(c["start"], text[..a].chars().count());
    }
    // Inside a surrogate pair is not a position.
    let emoji = utf16_len(&text[..text.find('😀').expect("emoji")]);
    let (st, v) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codings"),
            json!({ "source": s, "code": code, "start_utf16": emoji + 1, "end_utf16": emoji + 4 }),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // The layout's lines hold no \r, and its UTF-16 line starts add up.
    let (_, l) = e
        .get(&format!("/api/v1/projects/{p}/sources/{s}/layout"))
        .await;
    let lines: Vec<&str> = text.split('\n').filter(|x| !x.is_empty()).collect();
    for (i, want) in lines.iter().enumerate() {
        assert_eq!(l["lines"][i]["text"], *want);
        let start = text.find(want).expect("line");
        assert_eq!(l["lines"][i]["start_utf16"], utf16_len(&text[..start]));
    }
}

#[tokio::test]
async fn coding_undo_redo_and_editing() {
    let e = env().await;
    let p = e.project("Coding").await;
    let s = e
        .source(
            &p,
            "a.txt",
            "Anna: we never have time for the paperwork\nBen: true\n",
        )
        .await;
    let (st, r) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codings"),
            json!({ "source": s, "new_code": "time pressure", "start_utf16": 6, "end_utf16": 24 }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let coding = r["codings"][0].as_str().expect("id").to_string();
    let (_, v) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codings"),
            json!({ "source": s, "in_vivo": true, "start_utf16": 33, "end_utf16": 42 }),
        )
        .await;
    assert_eq!(v["code_name"], "paperwork", "{v}");
    let (_, v) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codings"),
            json!({ "source": s, "code": r["code_id"], "first_line": 2 }),
        )
        .await;
    assert_eq!(v["codings"].as_array().map(Vec::len), Some(1), "{v}");
    let (_, layout) = e
        .get(&format!("/api/v1/projects/{p}/sources/{s}/layout"))
        .await;
    let seg = &layout["lines"][0]["segments"];
    assert_eq!(
        seg.as_array().map(Vec::len),
        Some(2),
        "two codings on line 1: {layout}"
    );

    // Adjust boundaries, then undo and redo it.
    let (st, c) = e
        .call(
            "PATCH",
            &format!("/api/v1/projects/{p}/codings/{coding}"),
            json!({ "start_utf16": 6, "end_utf16": 19 }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["text"], "we never have");
    let (st, u) = e
        .call("POST", &format!("/api/v1/projects/{p}/undo"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{u}");
    let (_, c) = e
        .get(&format!("/api/v1/projects/{p}/codings/{coding}"))
        .await;
    assert_eq!(c["text"], "we never have time");
    e.call("POST", &format!("/api/v1/projects/{p}/redo"), json!({}))
        .await;
    let (_, c) = e
        .get(&format!("/api/v1/projects/{p}/codings/{coding}"))
        .await;
    assert_eq!(c["text"], "we never have");

    let (st, _) = e
        .call(
            "DELETE",
            &format!("/api/v1/projects/{p}/codings/{coding}"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = e
        .get(&format!("/api/v1/projects/{p}/codings/{coding}"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    check_error(&v, "not_found");
    let (_, h) = e.get(&format!("/api/v1/projects/{p}/history")).await;
    assert!(
        h[0]["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("removed 1 coding")),
        "{h}"
    );
}

#[tokio::test]
async fn code_tree_edits_merge_and_delete() {
    let e = env().await;
    let p = e.project("Codes").await;
    let s = e.source(&p, "a.txt", "one two three four five six\n").await;
    let parent = e.code(&p, "Pressure").await;
    let a = e.code(&p, "time").await;
    let b = e.code(&p, "no time").await;
    for (code, from, to) in [(&a, 0, 3), (&b, 4, 7), (&b, 0, 3)] {
        let (st, v) = e
            .call(
                "POST",
                &format!("/api/v1/projects/{p}/codings"),
                json!({ "source": s, "code": code, "start_utf16": from, "end_utf16": to }),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
    }
    let (st, v) = e
        .call(
            "PATCH",
            &format!("/api/v1/projects/{p}/codes/{a}"),
            json!({ "name": "Time", "color": "#112233", "inclusion": "talk of time" }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["name"].as_str(),
            v["color"].as_str(),
            v["inclusion"].as_str()
        ),
        (Some("Time"), Some("#112233"), Some("talk of time"))
    );
    let (st, v) = e
        .call(
            "PATCH",
            &format!("/api/v1/projects/{p}/codes/{a}"),
            json!({ "color": "blue" }),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"][0], "color");
    let (st, _) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codes/{a}/move"),
            json!({ "parent": parent }),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codes/{parent}/move"),
            json!({ "parent": a }),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code cannot move inside itself: {v}"
    );

    let (_, pv) = e
        .get(&format!(
            "/api/v1/projects/{p}/codes/{b}/merge-preview?into={a}"
        ))
        .await;
    assert_eq!(
        (pv["codings_moved"].as_u64(), pv["codings_dropped"].as_u64()),
        (Some(1), Some(1)),
        "{pv}"
    );
    let (st, done) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codes/{b}/merge"),
            json!({ "into": a }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    let (_, tree) = e.get(&format!("/api/v1/projects/{p}/codes")).await;
    assert_eq!(
        tree.as_array().map(Vec::len),
        Some(1),
        "only the category is left at the top: {tree}"
    );
    assert_eq!(tree[0]["children"][0]["name"], "Time");
    assert_eq!(tree[0]["children"][0]["codings"], 2);

    let (_, dp) = e
        .get(&format!(
            "/api/v1/projects/{p}/codes/{parent}/delete-preview"
        ))
        .await;
    assert_eq!(
        (dp["codings"].as_u64(), dp["subcodes"].as_u64()),
        (Some(2), Some(1))
    );
    let (st, _) = e
        .call(
            "DELETE",
            &format!("/api/v1/projects/{p}/codes/{parent}"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, tree) = e.get(&format!("/api/v1/projects/{p}/codes")).await;
    assert_eq!(tree, json!([]));
    e.call("POST", &format!("/api/v1/projects/{p}/undo"), json!({}))
        .await;
    let (_, tree) = e.get(&format!("/api/v1/projects/{p}/codes")).await;
    assert_eq!(
        tree[0]["children"][0]["codings"], 2,
        "undo restores the deleted codes and codings"
    );
}

#[tokio::test]
async fn memos_filter_and_refuse_stale_edits() {
    let e = env().await;
    let p = e.project("Memos").await;
    let code = e.code(&p, "trust").await;
    let (_, m) = e.call("POST", &format!("/api/v1/projects/{p}/memos"), json!({ "title": "On trust", "kind": "code", "links": [{ "type": "code", "id": code }] })).await;
    e.call(
        "POST",
        &format!("/api/v1/projects/{p}/memos"),
        json!({ "title": "Sampling", "kind": "method" }),
    )
    .await;
    let (_, list) = e
        .get(&format!("/api/v1/projects/{p}/memos?kind=method"))
        .await;
    assert_eq!(
        list.as_array()
            .map(|l| l.iter().map(|m| m["title"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("Sampling")])
    );
    let (_, list) = e
        .get(&format!("/api/v1/projects/{p}/memos?link_type=code"))
        .await;
    assert_eq!(list[0]["title"], "On trust");
    let id = m["id"].as_str().expect("id");
    let (st, v) = e
        .call(
            "PATCH",
            &format!("/api/v1/projects/{p}/memos/{id}"),
            json!({ "version": 1, "body": "first edit" }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = e
        .call(
            "PATCH",
            &format!("/api/v1/projects/{p}/memos/{id}"),
            json!({ "version": 1, "body": "stale edit" }),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    let (_, v) = e.get(&format!("/api/v1/projects/{p}/memos/{id}")).await;
    assert_eq!(v["body"], "first edit");
    let (st, v) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/memos"),
            json!({ "title": "x", "kind": "diary" }),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn demo_supports_comparison_search_and_coding_hits() {
    let (e, p) = demo_env().await;
    let (_, tree) = e.get(&format!("/api/v1/projects/{p}/codes")).await;
    let first_used = tree
        .as_array()
        .expect("tree")
        .iter()
        .flat_map(|n| n["children"].as_array().cloned().unwrap_or_default())
        .find(|c| c["codings"].as_u64().unwrap_or(0) > 3)
        .expect("the demo has a well-used code");
    let code = first_used["id"].as_str().expect("id");
    let (st, seg) = e
        .get(&format!(
            "/api/v1/projects/{p}/codes/{code}/segments?group_by=staff%20group&context=40"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{seg}");
    let groups = seg["groups"].as_array().expect("groups");
    assert!(
        groups.len() > 1,
        "segments fall into several staff groups: {seg}"
    );
    assert_eq!(seg["total"], first_used["codings"]);
    for g in groups.iter().filter(|g| g["value"] != "(no value)") {
        for s in g["segments"].as_array().expect("segments") {
            assert!(
                s["attribution"]
                    .as_str()
                    .is_some_and(|a| a.contains(g["value"].as_str().unwrap_or("-"))),
                "{s}"
            );
        }
    }
    let (st, v) = e
        .get(&format!(
            "/api/v1/projects/{p}/codes/{code}/segments?group_by=shoe%20size"
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");

    let (st, r) = e
        .get(&format!(
            "/api/v1/projects/{p}/search?q=paperwork&ignore_case=true&context=20"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let hits = r["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["text"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("paperwork"))));
    let new_code = e.code(&p, "Paperwork (search)").await;
    let targets: Vec<Value> = hits
        .iter()
        .take(3)
        .map(|h| json!({ "source": h["source_id"], "start": h["start"], "end": h["end"] }))
        .collect();
    let (st, v) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codings/batch"),
            json!({ "code": new_code, "targets": targets }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["coded"], targets.len());
    let (_, again) = e
        .call(
            "POST",
            &format!("/api/v1/projects/{p}/codings/batch"),
            json!({ "code": new_code, "targets": targets }),
        )
        .await;
    assert_eq!(again["coded"], 0, "coding the same hits twice adds nothing");
    let (st, v) = e
        .get(&format!(
            "/api/v1/projects/{p}/search?q=(unclosed&regex=true"
        ))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let (_, sources) = e
        .get(&format!(
            "/api/v1/projects/{p}/sources?attribute=staff%20group&value=senior%20manager"
        ))
        .await;
    let list = sources.as_array().expect("sources");
    assert!(
        !list.is_empty()
            && list
                .iter()
                .all(|s| s["attributes"]["staff group"] == "senior manager"),
        "{sources}"
    );
}

#[tokio::test]
async fn layout_pages_through_long_sources() {
    let e = env().await;
    let p = e.project("Long").await;
    let text: String = (1..=500)
        .map(|i| format!("Speaker {}: line number {i}\n", i % 2))
        .collect();
    let s = e.source(&p, "long.txt", &text).await;
    let (_, l) = e
        .get(&format!(
            "/api/v1/projects/{p}/sources/{s}/layout?from_line=201&to_line=400"
        ))
        .await;
    assert_eq!(
        (
            l["from_line"].as_u64(),
            l["to_line"].as_u64(),
            l["line_count"].as_u64()
        ),
        (Some(201), Some(400), Some(500))
    );
    assert_eq!(l["lines"].as_array().map(Vec::len), Some(200));
    assert_eq!(l["lines"][0]["number"], 201);
    assert!(l["lines"][0]["text"]
        .as_str()
        .is_some_and(|t| t.ends_with("line number 201")));
    let (_, l) = e
        .get(&format!(
            "/api/v1/projects/{p}/sources/{s}/layout?from_line=900"
        ))
        .await;
    assert_eq!(l["lines"], json!([]));
}

#[tokio::test]
async fn errors_have_one_shape() {
    let e = env().await;
    let (st, v) = e
        .get("/api/v1/projects/6b1f1c9e-0000-4000-8000-000000000000")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    check_error(&v, "not_found");
    let (st, v) = e.get("/api/v1/projects/not-a-guid").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    check_error(&v, "bad_request");
    let (st, v) = e.get("/api/v1/nothing-here").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    check_error(&v, "not_found");
    let req = Request::post("/api/v1/projects")
        .header("content-type", "application/json")
        .header("x-axial-csrf", &e.csrf)
        .body(Body::from("{not json"))
        .expect("request");
    let (st, v, _) = e.send(req).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    check_error(&v, "bad_request");
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let req = Request::post("/api/v1/projects")
        .header("content-type", "application/json")
        .header("x-axial-csrf", &e.csrf)
        .body(Body::from(big))
        .expect("request");
    let (st, v, _) = e.send(req).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    check_error(&v, "payload_too_large");
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let e = env().await;
    let (st, doc) = e.get("/api/v1/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/projects",
        "/projects/{project}/sources",
        "/projects/{project}/sources/{source}/layout",
        "/projects/{project}/codes/{code}/merge",
        "/projects/{project}/codes/{code}/segments",
        "/projects/{project}/codings",
        "/projects/{project}/codings/batch",
        "/projects/{project}/memos/{memo}",
        "/projects/{project}/search",
        "/projects/{project}/undo",
        "/session",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["LayoutDto"].is_object());
}

/// Minimal HTTP/1.1 over a socket, so the end-to-end tests need no client crate.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn serves_over_a_real_socket_until_shutdown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = common::open_store(&dir.path().join("e2e.db").display().to_string()).await;
    let app = App::new(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, ServerConfig::default(), async move {
        let _ = rx.await;
    }));
    let (st, page) = http(addr, "GET", "/", &[], "").await;
    assert_eq!(st, 200);
    assert!(page.contains("/assets/js/main.js"));
    let (st, body) = http(addr, "GET", "/api/v1/session", &[], "").await;
    assert_eq!(st, 200, "{body}");
    let session: Value = serde_json::from_str(body.trim())
        .or_else(|_| serde_json::from_str(body.lines().nth(1).unwrap_or("")))
        .expect("session json");
    let token = session["csrf_token"].as_str().expect("token").to_string();
    let (st, _) = http(
        addr,
        "POST",
        "/api/v1/projects",
        &[("Content-Type", "application/json")],
        r#"{"name":"over the wire"}"#,
    )
    .await;
    assert_eq!(st, 403);
    let (st, body) = http(
        addr,
        "POST",
        "/api/v1/projects",
        &[
            ("Content-Type", "application/json"),
            ("X-Axial-CSRF", &token),
        ],
        r#"{"name":"over the wire"}"#,
    )
    .await;
    assert_eq!(st, 201, "{body}");
    tx.send(()).expect("server still running");
    server
        .await
        .expect("server task")
        .expect("server stops cleanly");
}

#[tokio::test]
async fn refuses_to_serve_on_a_public_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = common::open_store(&dir.path().join("x.db").display().to_string()).await;
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0")
        .await
        .expect("bind");
    let err = serve(listener, App::new(store), ServerConfig::default(), async {})
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("no user accounts"), "{err}");
}
