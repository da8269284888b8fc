//! Two server processes on one database (two routers over two stores on
//! the same SQLite file, as two `axial serve` would be): a browser signed
//! in on one is served by the other with the same cookie and CSRF token,
//! because sessions and the token derive from the database, not a process.

use std::sync::Arc;

use axial_app::App;
use axial_server::{router, ServerConfig};
use axial_store::Store;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn send(r: &Router, req: Request<Body>) -> (StatusCode, Value, Option<String>) {
    let resp = r.clone().oneshot(req).await.expect("router answers");
    let status = resp.status();
    let cookie = resp
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string());
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        cookie,
    )
}

fn req(method: &str, path: &str, cookie: &str, csrf: &str, body: Option<Value>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header("host", "127.0.0.1:7878")
        .header("content-type", "application/json")
        .header("cookie", cookie)
        .header("x-axial-csrf", csrf)
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .expect("request")
}

#[tokio::test]
async fn a_session_from_one_server_works_on_another() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("team.db").display().to_string();
    let open = || async {
        App::new(Arc::new(
            axial_store_sqlite::SqliteStore::open(&db)
                .await
                .expect("open"),
        ) as Arc<dyn Store>)
    };
    let (a, b) = (open().await, open().await);
    let admin = a.local_user("setup").await.expect("user");
    a.create_account(&admin, "ana", None, "correct horse battery", true)
        .await
        .expect("account");
    let (ra, rb) = (
        router(a, ServerConfig::default()),
        router(b, ServerConfig::default()),
    );

    let (_, s, _) = send(&ra, req("GET", "/session", "", "", None)).await;
    let anon_csrf = s["csrf_token"].as_str().expect("token").to_string();
    let (st, s, cookie) = send(
        &ra,
        req(
            "POST",
            "/auth/login",
            "",
            &anon_csrf,
            Some(json!({"name": "ana", "password": "correct horse battery"})),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{s}");
    let cookie = cookie.expect("a session cookie");
    let csrf = s["csrf_token"].as_str().expect("token").to_string();
    assert_ne!(
        csrf, anon_csrf,
        "a signed-in browser gets its session's token"
    );

    // Server B knows the session and accepts the token it never issued.
    let (st, s, _) = send(&rb, req("GET", "/session", &cookie, "", None)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s["user"], "ana");
    assert_eq!(s["csrf_token"], csrf.as_str());
    let (st, p, _) = send(
        &rb,
        req(
            "POST",
            "/projects",
            &cookie,
            &csrf,
            Some(json!({"name": "Shared study"})),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    // ... and server A sees what B wrote.
    let (st, list, _) = send(&ra, req("GET", "/projects", &cookie, "", None)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list[0]["name"], "Shared study");
    // A wrong token is still refused.
    let (st, _, _) = send(
        &rb,
        req(
            "POST",
            "/projects",
            &cookie,
            "not-the-token",
            Some(json!({"name": "Other"})),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_stale_code_edit_is_refused_and_overwrites_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("codes.db").display().to_string();
    let app = App::new(Arc::new(
        axial_store_sqlite::SqliteStore::open(&db)
            .await
            .expect("open"),
    ) as Arc<dyn Store>);
    let r = router(app, ServerConfig::default());
    let (_, s, _) = send(&r, req("GET", "/session", "", "", None)).await;
    let csrf = s["csrf_token"].as_str().expect("token").to_string();
    let (_, p, _) = send(
        &r,
        req(
            "POST",
            "/projects",
            "",
            &csrf,
            Some(json!({"name": "Codes"})),
        ),
    )
    .await;
    let pid = p["id"].as_str().expect("id").to_string();
    let (st, c, _) = send(
        &r,
        req(
            "POST",
            &format!("/projects/{pid}/codes"),
            "",
            &csrf,
            Some(json!({"name": "Workload"})),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let path = format!("/projects/{pid}/codes/{}", c["id"].as_str().expect("id"));
    let opened = c["version"].as_u64().expect("a version");
    // Two people opened version `opened`; the first saves.
    let (st, first, _) = send(
        &r,
        req(
            "PATCH",
            &path,
            "",
            &csrf,
            Some(json!({"version": opened, "description": "Too much to do"})),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{first}");
    assert_eq!(first["version"].as_u64(), Some(opened + 1));
    // The second save is stale: refused, and the first edit stays.
    let (st, err, _) = send(
        &r,
        req(
            "PATCH",
            &path,
            "",
            &csrf,
            Some(json!({"version": opened, "description": "Not enough staff"})),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "conflict");
    let (_, now, _) = send(&r, req("GET", &path, "", "", None)).await;
    assert_eq!(now["description"], "Too much to do");
    // With the saved version the second person's edit goes in.
    let (st, _, _) = send(
        &r,
        req(
            "PATCH",
            &path,
            "",
            &csrf,
            Some(json!({"version": opened + 1, "description": "Not enough staff"})),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
}
