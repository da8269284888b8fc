//! Relations API tests, in-process over the demo study: create, list,
//! GraphML and SVG downloads, refusals (self-relation, `other` without a
//! label, duplicate, unknown code, missing CSRF token), delete and undo.

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
    base: String,
    /// Ids of three demo codes.
    codes: [String; 3],
    _dir: tempfile::TempDir,
}

async fn demo() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let store = common::open_store(&db.display().to_string()).await;
    let app = App::new(store);
    let (project, _) = app.build_demo(&|_| {}).await.expect("demo builds");
    let mut codes = Vec::new();
    for name in [
        "Not enough time",
        "Cutting corners",
        "Guilt when standards slip",
    ] {
        codes.push(
            app.find_code(&project, name)
                .await
                .expect("demo code")
                .id
                .to_string(),
        );
    }
    let mut e = Env {
        router: router(app, ServerConfig::default()),
        csrf: String::new(),
        base: format!("/api/v1/projects/{}", project.id),
        codes: codes.try_into().expect("three codes"),
        _dir: dir,
    };
    let (_, s, _) = e.raw("GET", "/api/v1/session", None, true).await;
    e.csrf = serde_json::from_slice::<Value>(&s).expect("session json")["csrf_token"]
        .as_str()
        .expect("token")
        .to_string();
    e
}

impl Env {
    async fn raw(
        &self,
        method: &str,
        uri: &str,
        body: Option<Value>,
        with_csrf: bool,
    ) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
        let mut req = Request::builder().method(method).uri(uri);
        if with_csrf {
            req = req.header("x-axial-csrf", &self.csrf);
        }
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

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let uri = format!("{}{path}", self.base);
        let (status, bytes, _) = self.raw(method, &uri, body, true).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn list(&self) -> Vec<Value> {
        let (status, v) = self.call("GET", "/relations", None).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v.as_array().expect("a list").clone()
    }

    async fn text(&self, path: &str) -> (String, String) {
        let uri = format!("{}{path}", self.base);
        let (status, bytes, headers) = self.raw("GET", &uri, None, true).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (ct, String::from_utf8(bytes).expect("utf-8"))
    }
}

/// Posts a relation and expects `status`; returns the body.
async fn check_post(e: &Env, body: Value, status: StatusCode) -> Value {
    let (got, v) = e.call("POST", "/relations", Some(body)).await;
    assert_eq!(got, status, "{v}");
    v
}

#[tokio::test]
async fn relations_round_trip_over_http() {
    let e = demo().await;
    let [a, b, c] = e.codes.clone();
    assert!(e.list().await.is_empty());

    let r1 = check_post(
        &e,
        json!({"from": a, "to": b, "kind": "causal_condition"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(r1["kind"], "causal_condition");
    assert!(r1["from_name"]
        .as_str()
        .is_some_and(|n| n.ends_with("Not enough time")));
    let r2 = check_post(
        &e,
        json!({"from": b, "to": c, "kind": "other", "label": "<b>weighs</b> on"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(r2["label"], "<b>weighs</b> on");
    assert_eq!(e.list().await.len(), 2);

    // Refusals change nothing.
    let v = check_post(
        &e,
        json!({"from": a, "to": a, "kind": "context"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(v.to_string().contains("itself"), "{v}");
    let v = check_post(
        &e,
        json!({"from": a, "to": c, "kind": "other"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(v.to_string().contains("needs a label"), "{v}");
    let v = check_post(
        &e,
        json!({"from": a, "to": c, "kind": "because"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["error"]["fields"], json!(["kind"]), "{v}");
    let (dup, _) = e
        .call(
            "POST",
            "/relations",
            Some(json!({"from": a, "to": b, "kind": "causal_condition"})),
        )
        .await;
    assert!(dup.is_client_error(), "{dup}");
    let unknown = axial_core::CodeId::new().to_string();
    check_post(
        &e,
        json!({"from": unknown, "to": b, "kind": "context"}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let (status, _, _) = e
        .raw(
            "POST",
            &format!("{}/relations", e.base),
            Some(json!({"from": b, "to": a, "kind": "context"})),
            false,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(e.list().await.len(), 2);

    let (ct, xml) = e.text("/relations.graphml").await;
    assert!(ct.starts_with("application/graphml+xml"), "{ct}");
    assert_eq!(xml.matches("<node ").count(), 3);
    assert_eq!(xml.matches("<edge ").count(), 2);
    assert!(xml.contains("&lt;b&gt;weighs&lt;/b&gt; on"));
    let (ct, svg) = e.text("/relations.svg").await;
    assert!(ct.starts_with("image/svg+xml"), "{ct}");
    assert_eq!(svg.matches("<circle ").count(), 3);
    assert!(!svg.contains("<b>"));

    // Delete the first, undo brings it back.
    let id = r1["id"].as_str().expect("id");
    let (status, _) = e.call("DELETE", &format!("/relations/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(e.list().await.len(), 1);
    let (status, _) = e.call("DELETE", &format!("/relations/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = e.call("POST", "/undo", None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(e.list().await.len(), 2);

    // The routes are in the OpenAPI document.
    let (_, doc, _) = e.raw("GET", "/api/v1/openapi.json", None, true).await;
    let doc: Value = serde_json::from_slice(&doc).expect("openapi json");
    for p in [
        "/projects/{project}/relations",
        "/projects/{project}/relations/{relation}",
        "/projects/{project}/relations.graphml",
        "/projects/{project}/relations.svg",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from OpenAPI");
    }
}
