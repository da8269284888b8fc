//! The participant register, study, sampling, quotes, member-check packs
//! and withdrawal over the API, in-process on the demo study.

mod common;

use axial_app::App;
use axial_core::{ProjectId, SourceId};
use axial_server::{router, ServerConfig};
use axial_store::CodingFilter;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct Env {
    app: App,
    router: Router,
    csrf: String,
    project: ProjectId,
    _dir: tempfile::TempDir,
}

async fn demo() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let store = common::open_store(&db.display().to_string()).await;
    let app = App::new(store);
    let (project, _) = app.build_demo(&|_| {}).await.expect("demo builds");
    let mut e = Env {
        router: router(app.clone(), ServerConfig::default()),
        app,
        csrf: String::new(),
        project: project.id,
        _dir: dir,
    };
    let (s, session) = e.get("/api/v1/session").await;
    assert_eq!(s, StatusCode::OK, "{session}");
    e.csrf = session["csrf_token"].as_str().expect("token").to_string();
    e
}

impl Env {
    fn url(&self, rest: &str) -> String {
        format!("/api/v1/projects/{}{rest}", self.project)
    }

    async fn raw(&self, req: Request<Body>) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
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

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let (s, b, _) = self
            .raw(Request::get(uri).body(Body::empty()).expect("request"))
            .await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn call(&self, method: &str, uri: &str, body: Value) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("x-axial-csrf", &self.csrf)
            .body(Body::from(body.to_string()))
            .expect("request");
        let (s, b, _) = self.raw(req).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn changes(&self) -> usize {
        let (s, h) = self.get(&self.url("/history?limit=1000")).await;
        assert_eq!(s, StatusCode::OK, "{h}");
        h.as_array().expect("history").len()
    }

    async fn source(&self, name: &str) -> SourceId {
        let (_, list) = self.get(&self.url("/sources")).await;
        list.as_array()
            .expect("sources")
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["id"].as_str())
            .expect("the source exists")
            .parse()
            .expect("an id")
    }
}

fn check_error(v: &Value, code: &str) {
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn register_study_and_sampling() {
    let e = demo().await;
    let (s, list) = e.get(&e.url("/participants")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().expect("register");
    assert_eq!(list.len(), 21);
    let p07 = list
        .iter()
        .find(|p| p["label"] == "Interviewee 07")
        .expect("p07")
        .clone();
    let id = p07["id"].as_str().expect("id").to_string();
    assert_eq!(p07["case"], "Interviewee 07");
    assert_eq!(p07["sources"][0], "interview-07");

    let (s, one) = e.get(&e.url(&format!("/participants/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["label"], "Interviewee 07");
    let (s, missing) = e
        .get(&e.url(&format!("/participants/{}", uuid_like())))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    check_error(&missing, "not_found");

    let version = p07["version"].as_u64().expect("version");
    let (s, stale) = e
        .call(
            "PATCH",
            &e.url(&format!("/participants/{id}")),
            json!({ "version": version + 5, "notes": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    check_error(&stale, "conflict");
    let (s, edited) = e
        .call(
            "PATCH",
            &e.url(&format!("/participants/{id}")),
            json!({ "version": version, "notes": "prefers email", "consent": { "quotes": true, "archiving": false } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["notes"], "prefers email");
    assert_eq!(edited["consent"]["archiving"], false);
    assert_eq!(edited["version"], version + 1);

    let before = e.changes().await;
    let (s, dup) = e
        .call(
            "POST",
            &e.url("/participants"),
            json!({ "label": "interviewee 07" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    check_error(&dup, "exists");
    let (s, bad) = e
        .call(
            "POST",
            &e.url("/participants"),
            json!({ "label": "Interviewee 22", "status": "withdrawn" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    check_error(&bad, "invalid");
    assert_eq!(e.changes().await, before);
    let (s, new) = e
        .call(
            "POST",
            &e.url("/participants"),
            json!({ "label": "Interviewee 22", "group": "clinical manager", "status": "consented", "consented_on": "2024-03-01" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{new}");
    assert_eq!(new["status"], "consented");

    let (s, study) = e.get(&e.url("/study")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        study["information_sheets"]
            .as_array()
            .expect("sheets")
            .len(),
        2
    );
    let (s, study) = e
        .call(
            "PUT",
            &e.url("/study"),
            json!({ "ethics_reference": "REC 9", "information_sheets": [{ "version": "2.0", "date": "2024-03-01" }] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{study}");
    assert_eq!(study["ethics_reference"], "REC 9");
    assert_eq!(
        study["information_sheets"]
            .as_array()
            .expect("sheets")
            .len(),
        3
    );
    let (s, _) = e
        .call(
            "PUT",
            &e.url("/study"),
            json!({ "approval_date": "yesterday" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, m) = e.get(&e.url("/sampling")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["rows"].as_array().expect("rows").len(), 5);
    assert_eq!(m["decisions"].as_array().expect("decisions").len(), 2);
    let cm = |m: &Value| {
        m["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["group"] == "clinical manager")
            .expect("clinical managers")
            .clone()
    };
    let before_cm = cm(&m);
    let (s, m) = e
        .call(
            "PUT",
            &e.url("/sampling/targets"),
            json!({ "group": "clinical manager", "target": 9 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let after_cm = cm(&m);
    assert_eq!(after_cm["target"], 9);
    assert_eq!(
        after_cm["consented"].as_u64(),
        after_cm["interviewed"].as_u64().map(|n| n + 1),
        "the new participant counts as consented, not interviewed"
    );
    assert_eq!(after_cm["consented"], before_cm["consented"]);
    let (s, d) = e
        .call(
            "POST",
            &e.url("/sampling/decisions"),
            json!({ "decision": "Recruit more managers", "reason": "only two so far" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["decision"], "Recruit more managers");
    let (s, bad) = e
        .call(
            "POST",
            &e.url("/sampling/decisions"),
            json!({ "decision": "x", "reason": "" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    check_error(&bad, "invalid");

    let spec = axial_server::openapi_json();
    for path in [
        "/projects/{project}/participants/{participant}/withdraw/preview",
        "/projects/{project}/sampling",
        "/projects/{project}/quotes/scan",
    ] {
        assert!(spec.contains(path), "{path} is not in the OpenAPI document");
    }
}

fn uuid_like() -> String {
    "00000000-0000-4000-8000-000000000000".into()
}

#[tokio::test]
async fn quotes_packs_and_withdrawal() {
    let e = demo().await;
    let (_, list) = e.get(&e.url("/participants")).await;
    let p07 = list
        .as_array()
        .expect("register")
        .iter()
        .find(|p| p["label"] == "Interviewee 07")
        .expect("p07")
        .clone();
    let pid = p07["id"].as_str().expect("id").to_string();
    let source = e.source("interview-07").await;
    let codings = e
        .app
        .store()
        .codings(e.project, &CodingFilter::source(source))
        .await
        .expect("codings");

    // From a coded segment, and from a browser selection (UTF-16).
    let (s, q1) = e
        .call(
            "POST",
            &e.url("/quotes"),
            json!({ "coding": codings[0].id.to_string(), "used_in": [{ "type": "report", "name": "Final report" }] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q1}");
    assert_eq!(q1["participant"], "Interviewee 07");
    assert_eq!(q1["start"], codings[0].span.start().0);
    let (s, q2) = e
        .call(
            "POST",
            &e.url("/quotes"),
            json!({ "source": source.to_string(), "start_utf16": 0, "end_utf16": 14 }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q2}");
    assert_eq!(q2["text"].as_str().map(|t| t.chars().count()), Some(14));
    let (s, bad) = e
        .call(
            "POST",
            &e.url("/quotes"),
            json!({ "source": source.to_string() }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    check_error(&bad, "invalid");
    let (s, bad) = e
        .call(
            "POST",
            &e.url("/quotes"),
            json!({ "coding": codings[1].id.to_string(), "used_in": [{ "type": "memo", "id": uuid_like() }] }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");

    let qid = q1["id"].as_str().expect("id");
    let (s, amended) = e
        .call(
            "PATCH",
            &e.url(&format!("/quotes/{qid}")),
            json!({ "version": q1["version"], "status": "amended" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{amended}");
    let (s, approved) = e
        .call(
            "PATCH",
            &e.url(&format!("/quotes/{qid}")),
            json!({ "version": q1["version"], "status": "approved", "note": "by phone" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");
    let (s, stale) = e
        .call(
            "PATCH",
            &e.url(&format!("/quotes/{qid}")),
            json!({ "version": q1["version"], "status": "sent" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    check_error(&stale, "conflict");
    let (_, mine) = e
        .get(&e.url(&format!("/quotes?participant={pid}&status=approved")))
        .await;
    assert_eq!(mine.as_array().expect("quotes").len(), 1);
    let (s, scan) = e.call("POST", &e.url("/quotes/scan"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{scan}");
    assert!(scan["memos_scanned"].as_u64().expect("memos") > 0);

    // The member-check pack, as HTML and DOCX.
    let (s, html, headers) = e
        .raw(
            Request::get(e.url(&format!("/participants/{pid}/pack")))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers["content-disposition"]
        .to_str()
        .expect("ascii")
        .contains("member-check-Interviewee_07.html"));
    let html = String::from_utf8(html).expect("utf-8");
    assert!(html.contains("class=\"response\""));
    assert!(html.contains("Final report"));
    assert_eq!(html.matches("<section class=\"quote\">").count(), 2);
    let (s, docx, _) = e
        .raw(
            Request::get(e.url(&format!("/participants/{pid}/pack?format=docx")))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(docx.starts_with(b"PK"));

    // Withdrawal: a preview, a refusal without confirmation, then erasure.
    let before = e.changes().await;
    let (s, preview) = e
        .call(
            "POST",
            &e.url(&format!("/participants/{pid}/withdraw/preview")),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["withdrawn"], false);
    assert_eq!(preview["sources"][0], "interview-07");
    assert_eq!(preview["quotes"], 2);
    let (s, refused) = e
        .call(
            "POST",
            &e.url(&format!("/participants/{pid}/withdraw")),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    check_error(&refused, "invalid");
    assert_eq!(e.changes().await, before, "nothing changed yet");
    let (s, done) = e
        .call(
            "POST",
            &e.url(&format!("/participants/{pid}/withdraw")),
            json!({ "confirm": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["withdrawn"], true);
    assert_eq!(done["codings"], preview["codings"]);
    let (_, p) = e.get(&e.url(&format!("/participants/{pid}"))).await;
    assert_eq!(p["status"], "withdrawn");
    assert_eq!(p["case"], Value::Null);
    let (_, sources) = e.get(&e.url("/sources")).await;
    assert!(sources
        .as_array()
        .expect("sources")
        .iter()
        .all(|s| s["name"] != "interview-07"));
    let (_, quotes) = e.get(&e.url("/quotes")).await;
    assert!(quotes.as_array().expect("quotes").is_empty());
    let (s, undo) = e.call("POST", &e.url("/undo"), json!({})).await;
    assert!(s.is_client_error(), "{s} {undo}");
    assert!(undo["error"]["message"]
        .as_str()
        .expect("message")
        .contains("cannot be undone"));
    let (s, again) = e
        .call(
            "POST",
            &e.url(&format!("/participants/{pid}/withdraw/preview")),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again["error"]["message"]
        .as_str()
        .expect("message")
        .contains("already withdrew"));
}
