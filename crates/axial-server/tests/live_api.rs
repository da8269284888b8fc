//! Live updates over `GET /projects/{p}/events`: a change committed by
//! another process (another store on the same SQLite file, or another
//! server's store on the same PostgreSQL database) reaches a subscribed
//! browser as a `change` event within a few seconds.

use std::sync::Arc;
use std::time::Duration;

use axial_app::App;
use axial_server::{router, ServerConfig};
use axial_store::Store;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// Subscribes through the router of `watcher`, makes a memo through
/// `writer` (a separate App and store), and returns the first change event.
async fn first_event(watcher: App, writer: App) -> Value {
    let actor = writer.local_user("kim").await.expect("user");
    let project = writer
        .create_project(&actor, "Live study", "")
        .await
        .expect("project");
    let r = router(watcher, ServerConfig::default());
    let resp = r
        .oneshot(
            Request::get(format!("/api/v1/projects/{}/events", project.id))
                .header("host", "127.0.0.1")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("router answers");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().expect("ascii"),
        "text/event-stream"
    );
    let mut body = resp.into_body();
    // Subscribed when the response started: now another process writes.
    writer
        .create_memo(
            &actor,
            &project,
            "Seen live",
            "Zoë noticed ✓",
            axial_core::MemoKind::Theoretical,
            Vec::new(),
        )
        .await
        .expect("memo");
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let frame = body.frame().await.expect("stream open").expect("frame");
            if let Some(d) = frame.data_ref() {
                text.push_str(&String::from_utf8_lossy(d));
            }
            if text.contains("event: change") && text.contains("\n\n") {
                let data = text
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .expect("a data line");
                return serde_json::from_str::<Value>(data).expect("event data is JSON");
            }
        }
    })
    .await
    .expect("the change arrives within 10 s")
}

#[tokio::test]
async fn a_change_from_another_process_on_sqlite_arrives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("live.db").display().to_string();
    let open = || async {
        App::new(Arc::new(
            axial_store_sqlite::SqliteStore::open(&db)
                .await
                .expect("open"),
        ) as Arc<dyn Store>)
    };
    let event = first_event(open().await, open().await).await;
    assert_eq!(event["action"], "memo.create");
    assert_eq!(event["author_name"], "kim");
    assert_eq!(event["kinds"], serde_json::json!(["memo"]));
}

#[tokio::test]
async fn a_change_from_another_server_on_postgres_arrives() {
    let Ok(url) = std::env::var("AXIAL_TEST_PG") else {
        // scripts/test.sh always sets it; plain `cargo test` checks SQLite only.
        return;
    };
    let name = format!("axial_live_{}", std::process::id());
    let status = std::process::Command::new("psql")
        .arg(&url)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs");
    assert!(status.success());
    let db = format!("{}/{name}", url.rsplit_once('/').expect("url").0);
    let open = || async {
        App::new(Arc::new(
            axial_store_postgres::PgStore::connect(&db)
                .await
                .expect("connect"),
        ) as Arc<dyn Store>)
    };
    let event = first_event(open().await, open().await).await;
    assert_eq!(event["action"], "memo.create");
    assert_eq!(
        event["summary"].as_str().map(|s| s.contains("Seen live")),
        Some(true)
    );
}
