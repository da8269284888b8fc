//! A withdrawal over the API says how many backups of the database were
//! taken before it and still hold the erased data (the pseudonymisation's
//! answer is checked in `pseudonymise_api.rs`); a preview says nothing of
//! the kind, and after a purge the count is zero again.

use std::sync::Arc;

use axial_app::backup::BackupFolder;
use axial_app::App;
use axial_server::{router, ServerConfig};
use axial_store_sqlite::SqliteStore;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(
    router: &Router,
    csrf: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .header("x-axial-csrf", csrf)
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    let resp = router.clone().oneshot(req).await.expect("router answers");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_withdrawal_reports_the_backups_that_still_hold_what_it_erased() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let store = SqliteStore::open(&db.display().to_string())
        .await
        .expect("open sqlite");
    let folder = BackupFolder::of(&db);
    let app = App::new(Arc::new(store)).with_backup_folder(folder.clone());
    let (project, _) = app.build_demo(&|_| {}).await.expect("demo builds");
    let api = router(app.clone(), ServerConfig::default());
    let (_, session) = call(&api, "", "GET", "/api/v1/session", None).await;
    let csrf = session["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_string();
    let (s, register) = call(
        &api,
        &csrf,
        "GET",
        &format!("/api/v1/projects/{}/participants", project.id),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{register}");
    let id_of = |label: &str| {
        register
            .as_array()
            .expect("register")
            .iter()
            .find(|p| p["label"] == label)
            .unwrap_or_else(|| panic!("no {label}: {register}"))["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let withdraw = |label: &str| {
        format!(
            "/api/v1/projects/{}/participants/{}/withdraw",
            project.id,
            id_of(label)
        )
    };

    let first = app.backup_into(&folder).await.expect("backup");
    let second = app.backup_into(&folder).await.expect("backup");
    let (s, preview) = call(
        &api,
        &csrf,
        "POST",
        &format!("{}/preview", withdraw("Interviewee 04")),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["backups_with_erased_data"], 0, "{preview}");
    assert_eq!(preview["backup_warning"], Value::Null);

    let (s, done) = call(
        &api,
        &csrf,
        "POST",
        &withdraw("Interviewee 04"),
        Some(json!({"confirm": true})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["withdrawn"], true);
    assert_eq!(done["backups_with_erased_data"], 2, "{done}");
    let warning = done["backup_warning"].as_str().expect("a warning");
    assert!(
        warning.starts_with("2 backups of this database")
            && warning.contains("withdrew Interviewee 04")
            && warning.contains("axial backup purge --before-erasure"),
        "{warning}"
    );

    // After the purge only a fresh backup is left, and it holds nothing
    // erased: the next withdrawal counts it, and only it.
    let purge = app
        .purge_backups_before_erasure(&folder)
        .await
        .expect("purge");
    assert_eq!(purge.deleted.len(), 2);
    assert!(!first.path.exists() && !second.path.exists());
    assert_eq!(app.backups_before_erasure().await.expect("check"), None);
    let (s, done) = call(
        &api,
        &csrf,
        "POST",
        &withdraw("Interviewee 05"),
        Some(json!({"confirm": true})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["backups_with_erased_data"], 1, "{done}");
}
