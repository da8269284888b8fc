//! Blind coding over the API, in-process on the demo study: with
//! `blind=true` the layout of a source holds only the acting user's codings
//! (here the demo's "second coder"); without it, every coder's.
//!
//! The server acts as the login user (`$USER`), so this binary sets `USER`
//! to "second coder" once, before any router answers; every test in this
//! file sets the same value, so they cannot disturb each other.

use std::collections::BTreeSet;
use std::sync::Arc;

use axial_app::App;
use axial_core::{ProjectId, SourceId, UserId};
use axial_server::{router, ServerConfig};
use axial_store::CodingFilter;
use axial_store_sqlite::SqliteStore;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const ACTING: &str = "second coder";

struct Env {
    app: App,
    router: Router,
    project: ProjectId,
    _dir: tempfile::TempDir,
}

async fn demo() -> Env {
    std::env::set_var("USER", ACTING);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let store = SqliteStore::open(&db.display().to_string())
        .await
        .expect("open sqlite");
    let app = App::new(Arc::new(store));
    let (project, _) = app.build_demo(&|_| {}).await.expect("demo builds");
    Env {
        router: router(app.clone(), ServerConfig::default()),
        app,
        project: project.id,
        _dir: dir,
    }
}

impl Env {
    async fn get(&self, uri: &str) -> Value {
        let req = Request::builder()
            .method("GET")
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(
            status,
            StatusCode::OK,
            "{uri}: {}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).expect("json")
    }

    async fn user(&self, name: &str) -> UserId {
        let users = self.app.store().users().await.expect("users");
        users
            .into_iter()
            .find(|u| u.name == name)
            .unwrap_or_else(|| panic!("demo has a user '{name}'"))
            .id
    }

    /// Coding ids in `source`, optionally of one coder only, from the store.
    async fn codings(&self, source: SourceId, coder: Option<UserId>) -> BTreeSet<String> {
        let filter = CodingFilter {
            coders: coder.into_iter().collect(),
            ..CodingFilter::source(source)
        };
        self.app
            .store()
            .codings(self.project, &filter)
            .await
            .expect("codings")
            .into_iter()
            .map(|c| c.id.to_string())
            .collect()
    }

    /// A source the demo has coded by both coders.
    async fn shared_source(&self) -> SourceId {
        let researcher = self.user("researcher").await;
        let second = self.user(ACTING).await;
        for s in self
            .app
            .store()
            .sources(self.project)
            .await
            .expect("sources")
        {
            let a = self.codings(s.id, Some(researcher)).await;
            let b = self.codings(s.id, Some(second)).await;
            if !a.is_empty() && !b.is_empty() {
                return s.id;
            }
        }
        panic!("the demo has no source coded by both coders");
    }

    async fn layout(&self, source: SourceId, query: &str) -> Value {
        self.get(&format!(
            "/api/v1/projects/{}/sources/{source}/layout{query}",
            self.project
        ))
        .await
    }
}

/// The coding ids in a layout's lines, and the sum of its per-code counts.
fn laid_out(v: &Value) -> (BTreeSet<String>, u64) {
    let ids = v["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .flat_map(|l| l["segments"].as_array().expect("segments").iter())
        .map(|g| g["coding"].as_str().expect("coding id").to_string())
        .collect();
    let counted = v["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c["codings"].as_u64().expect("count"))
        .sum();
    (ids, counted)
}

#[tokio::test]
async fn blind_layout_holds_only_the_acting_coders_codings() {
    let env = demo().await;
    let source = env.shared_source().await;
    let second = env.user(ACTING).await;
    let own = env.codings(source, Some(second)).await;
    let all = env.codings(source, None).await;
    assert!(
        own.len() < all.len(),
        "the other coder coded this source too"
    );

    let blind = env.layout(source, "?blind=true").await;
    assert_eq!(blind["blind"], Value::Bool(true));
    let (ids, counted) = laid_out(&blind);
    assert_eq!(
        ids, own,
        "blind layout shows exactly the second coder's codings"
    );
    assert_eq!(counted, own.len() as u64, "code counts are the coder's own");

    for query in ["", "?blind=false"] {
        let open = env.layout(source, query).await;
        assert_eq!(open["blind"], Value::Bool(false), "{query}");
        let (ids, counted) = laid_out(&open);
        assert_eq!(
            ids, all,
            "without blind every coder's codings show ({query})"
        );
        assert_eq!(counted, all.len() as u64, "{query}");
    }
}

#[tokio::test]
async fn blind_layout_keeps_paging() {
    let env = demo().await;
    let source = env.shared_source().await;
    let page = env
        .layout(source, "?blind=true&from_line=2&to_line=3")
        .await;
    assert_eq!(page["from_line"], 2);
    assert_eq!(page["to_line"], 3);
    assert_eq!(page["lines"].as_array().expect("lines").len(), 2);
    let second = env.user(ACTING).await;
    let own = env.codings(source, Some(second)).await;
    let (ids, _) = laid_out(&page);
    assert!(
        ids.is_subset(&own),
        "a blind page shows no other coder's coding"
    );
}
