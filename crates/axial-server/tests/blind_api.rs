//! Blind coding over the API, in-process on the demo study: with
//! `blind=true` every read answers as if only the acting user's codings
//! existed (here the demo's "second coder") — the layout, counts, history,
//! the live feed, and every GET route of the OpenAPI document; without it,
//! every coder's. Changes ignore the flag.
//!
//! The server acts as the login user (`$USER`), so this binary sets `USER`
//! to "second coder" once, before any router answers; every test in this
//! file sets the same value, so they cannot disturb each other.

mod common;

use std::collections::BTreeSet;

use axial_app::App;
use axial_core::{ProjectId, SourceId, UserId};
use axial_server::{router, ServerConfig};
use axial_store::CodingFilter;
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
    let store = common::open_store(&db.display().to_string()).await;
    let app = App::new(store);
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

impl Env {
    /// Any status; the body as text.
    async fn fetch(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
        let mut req = Request::builder().method(method).uri(uri);
        if method != "GET" {
            if let Some(csrf) = self.csrf().await {
                req = req.header("x-axial-csrf", csrf);
            }
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
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn csrf(&self) -> Option<String> {
        let (_, s) = Box::pin(self.fetch("GET", "/api/v1/session", None)).await;
        serde_json::from_str::<Value>(&s).ok()?["csrf_token"]
            .as_str()
            .map(str::to_string)
    }

    /// Every coding of the project as (id, coder, code, source).
    async fn all_codings(&self) -> Vec<axial_core::Coding> {
        self.app
            .store()
            .codings(self.project, &CodingFilter::all())
            .await
            .expect("codings")
    }
}

/// One GET route of the OpenAPI document with its parameters.
struct Route {
    path: String,
    /// (name, in, required)
    params: Vec<(String, String, bool)>,
    streams: bool,
}

fn get_routes(doc: &Value) -> Vec<Route> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        let params = get["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or_default().to_string(),
                            p["in"].as_str().unwrap_or_default().to_string(),
                            p["required"].as_bool().unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let streams = get["responses"]
            .as_object()
            .into_iter()
            .flat_map(|r| r.values())
            .any(|r| r["content"].get("text/event-stream").is_some());
        out.push(Route {
            path: path.clone(),
            params,
            streams,
        });
    }
    out
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

/// Every GET route of the API, filled in for the demo project, answers a
/// blind request without naming a single coding of the other coder — and
/// the same routes without `blind` do name them (so the check can fail).
#[tokio::test]
async fn no_get_route_names_another_coders_coding_when_blind() {
    let env = demo().await;
    let second = env.user(ACTING).await;
    let researcher = env.user("researcher").await;
    let source = env.shared_source().await;
    let codings = env.all_codings().await;
    let hidden: BTreeSet<String> = codings
        .iter()
        .filter(|c| c.coder != second)
        .map(|c| c.id.to_string())
        .collect();
    let own: Vec<&axial_core::Coding> = codings.iter().filter(|c| c.coder == second).collect();
    assert!(!hidden.is_empty() && !own.is_empty());
    // A code both coders used, the demo category with placed segments, and
    // a memo (by the acting coder) linking one of the other coder's codings.
    let shared_code = own
        .iter()
        .find(|o| {
            codings
                .iter()
                .any(|c| c.coder == researcher && c.code == o.code)
        })
        .expect("a code both coders used")
        .code;
    let project = env.app.project(env.project).await.expect("project");
    let standards = env
        .app
        .find_code(&project, "Personal standards")
        .await
        .expect("demo category")
        .id;
    let property = env
        .app
        .code_properties(
            &project,
            &env.app
                .find_code(&project, "Personal standards")
                .await
                .expect("code"),
        )
        .await
        .expect("properties")[0]
        .id();
    let base = format!("/api/v1/projects/{}", env.project);
    let linked = codings
        .iter()
        .find(|c| c.coder == researcher && c.source == source)
        .expect("a researcher coding in the shared source")
        .id;
    let (status, memo) = env
        .fetch(
            "POST",
            &format!("{base}/memos"),
            Some(serde_json::json!({"title": "On their coding", "body": "see the link", "kind": "theoretical",
                "links": [{"type": "coding", "id": linked.to_string()}, {"type": "source", "id": source.to_string()}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{memo}");
    let memo: Value = serde_json::from_str(&memo).expect("memo json");
    let memo_id = memo["id"].as_str().expect("memo id").to_string();
    let (status, saved) = env
        .fetch(
            "POST",
            &format!("{base}/analysis/queries"),
            Some(serde_json::json!({"name": "corners", "query": "\"Cutting corners\""})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");

    let (_, doc) = env.fetch("GET", "/api/v1/openapi.json", None).await;
    let doc: Value = serde_json::from_str(&doc).expect("openapi json");
    let routes = get_routes(&doc);
    assert!(routes.len() > 20, "the document lists the GET routes");

    let path_value = |name: &str, code: axial_core::CodeId| -> String {
        match name {
            "project" => env.project.to_string(),
            "source" => source.to_string(),
            "code" => code.to_string(),
            "coding" => own[0].id.to_string(),
            "memo" => memo_id.clone(),
            "property" => property.to_string(),
            "name" => "corners".into(),
            "user" => ACTING.into(),
            // A route added later with a new kind of id: an unknown id,
            // which must not leak anything either.
            _ => axial_core::RecordId::new().to_string(),
        }
    };
    let query_value = |name: &str| -> String {
        match name {
            "q" => "\"Cutting corners\" OR \"Not enough time\"".into(),
            "code" | "codes" | "into" => shared_code.to_string(),
            "coders" => format!("researcher,{ACTING}"),
            "term" => "time".into(),
            "coding" => own[0].id.to_string(),
            "by" | "group_by" => "staff group".into(),
            _ => "1".into(),
        }
    };

    let mut checked = 0;
    let mut revealing_when_open = BTreeSet::new();
    for r in routes.iter().filter(|r| !r.streams) {
        let codes: Vec<axial_core::CodeId> = if r.path.contains("{code}") {
            vec![shared_code, standards]
        } else {
            vec![shared_code]
        };
        for code in codes {
            let mut path = r.path.clone();
            let mut query = Vec::new();
            for (name, place, required) in &r.params {
                match place.as_str() {
                    "path" => {
                        path = path.replace(&format!("{{{name}}}"), &enc(&path_value(name, code)))
                    }
                    "query" if *required || name == "by" || name == "group_by" => {
                        query.push(format!("{name}={}", enc(&query_value(name))))
                    }
                    _ => {}
                }
            }
            if !path.starts_with("/projects/{project}") && !r.path.starts_with("/projects/") {
                // Routes outside projects (session, users, the project list)
                // are checked too: they must not leak either.
            }
            let uri = |blind: bool| {
                let mut q = query.clone();
                if blind {
                    q.push("blind=true".into());
                }
                if q.is_empty() {
                    format!("/api/v1{path}")
                } else {
                    format!("/api/v1{path}?{}", q.join("&"))
                }
            };
            let (status, body) = env.fetch("GET", &uri(true), None).await;
            let leaked: Vec<&String> = hidden
                .iter()
                .filter(|id| body.contains(id.as_str()))
                .collect();
            assert!(
                leaked.is_empty(),
                "blind GET {} ({status}) names {} of the other coder's codings, e.g. {}",
                uri(true),
                leaked.len(),
                leaked[0]
            );
            checked += 1;
            let (_, open) = env.fetch("GET", &uri(false), None).await;
            if hidden.iter().any(|id| open.contains(id.as_str())) {
                revealing_when_open.insert(r.path.clone());
            }
        }
    }
    assert!(checked > 20, "{checked} requests checked");
    // Without blind the same routes do show the other coder's work.
    for must in [
        "/projects/{project}/sources/{source}/layout",
        "/projects/{project}/codes/{code}/segments",
        "/projects/{project}/codes/{code}/properties",
        "/projects/{project}/memos",
        "/projects/{project}/memos/{memo}",
        "/projects/{project}/analysis/cooccurrence",
    ] {
        assert!(
            revealing_when_open.contains(must),
            "without blind, GET {must} shows the other coder's codings; revealing: {revealing_when_open:?}"
        );
    }
}

/// Counts follow blind mode: the code tree and the source list count only
/// the acting coder's codings, the history leaves out the other coder's
/// coding changes, and blind changes (any method but reads) are refused the
/// blind view, so a merge still moves everyone's codings.
#[tokio::test]
async fn blind_counts_history_and_changes() {
    let env = demo().await;
    let second = env.user(ACTING).await;
    let codings = env.all_codings().await;
    let own = codings.iter().filter(|c| c.coder == second).count() as u64;
    let all = codings.len() as u64;
    let base = format!("/api/v1/projects/{}", env.project);

    fn total(nodes: &Value) -> u64 {
        nodes
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["codings"].as_u64().unwrap_or(0) + total(&n["children"]))
            .sum()
    }
    assert_eq!(
        total(&env.get(&format!("{base}/codes?blind=true")).await),
        own
    );
    assert_eq!(total(&env.get(&format!("{base}/codes")).await), all);

    let sources = |v: Value| -> u64 {
        v.as_array()
            .expect("sources")
            .iter()
            .map(|s| s["codings"].as_u64().unwrap_or(0))
            .sum()
    };
    assert_eq!(
        sources(env.get(&format!("{base}/sources?blind=true")).await),
        own
    );
    assert_eq!(sources(env.get(&format!("{base}/sources")).await), all);

    let history = |v: Value| -> Vec<String> {
        v.as_array()
            .expect("history")
            .iter()
            .map(|e| e["author"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let open = history(env.get(&format!("{base}/history?limit=1000")).await);
    let blind = history(
        env.get(&format!("{base}/history?limit=1000&blind=true"))
            .await,
    );
    assert!(blind.len() < open.len());
    let coded_by_researcher = |v: &Value| {
        v.as_array()
            .expect("history")
            .iter()
            .filter(|e| e["author"] == "researcher" && e["action"] == "coding.apply")
            .count()
    };
    assert!(coded_by_researcher(&env.get(&format!("{base}/history?limit=1000")).await) > 0);
    assert_eq!(
        coded_by_researcher(
            &env.get(&format!("{base}/history?limit=1000&blind=true"))
                .await
        ),
        0
    );

    // A change sent with the flag still sees every coder's codings.
    let project = env.app.project(env.project).await.expect("project");
    let from = env
        .app
        .find_code(&project, "Cutting corners")
        .await
        .expect("code");
    let into = env
        .app
        .find_code(&project, "Not enough time")
        .await
        .expect("code");
    let of_from = codings.iter().filter(|c| c.code == from.id).count();
    assert!(codings
        .iter()
        .any(|c| c.code == from.id && c.coder != second));
    let (status, body) = env
        .fetch(
            "POST",
            &format!("{base}/codes/{}/merge?blind=true", from.id),
            Some(serde_json::json!({"into": into.id.to_string()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let merged: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        merged["codings_moved"].as_u64().unwrap() + merged["codings_dropped"].as_u64().unwrap(),
        of_from as u64,
        "every coder's codings moved"
    );
}

/// The live feed of a blind reader redacts the other coder's coding
/// changes (they keep their place in the sequence but say nothing of what
/// they changed) and passes the acting coder's own work on.
#[tokio::test]
async fn blind_live_events_redact_the_other_coders_codings() {
    let env = demo().await;
    let project = env.app.project(env.project).await.expect("project");
    let resp = env
        .router
        .clone()
        .oneshot(
            Request::get(format!(
                "/api/v1/projects/{}/events?blind=true",
                env.project
            ))
            .header("host", "127.0.0.1")
            .body(Body::empty())
            .expect("request"),
        )
        .await
        .expect("router answers");
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    // Subscribed: the researcher codes, then the acting coder writes a memo.
    let researcher = env.app.local_user("researcher").await.expect("user");
    let me = env.app.local_user(ACTING).await.expect("user");
    let code = env
        .app
        .find_code(&project, "Cutting corners")
        .await
        .expect("code");
    let source = env
        .app
        .store()
        .source(env.shared_source().await)
        .await
        .expect("source");
    let made = env
        .app
        .apply_code(
            &researcher,
            &project,
            &code,
            &[source],
            &axial_app::ApplyTarget::Span { start: 0, end: 5 },
        )
        .await
        .expect("coded");
    assert_eq!(made.len(), 1);
    env.app
        .create_memo(
            &me,
            &project,
            "Mine",
            "my own note",
            axial_core::MemoKind::Theoretical,
            Vec::new(),
        )
        .await
        .expect("memo");
    let mut text = String::new();
    let events = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let frame = body.frame().await.expect("stream open").expect("frame");
            if let Some(d) = frame.data_ref() {
                text.push_str(&String::from_utf8_lossy(d));
            }
            let events: Vec<Value> = text
                .split("\n\n")
                .filter(|e| e.contains("event: change"))
                .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
                .filter_map(|d| serde_json::from_str(d).ok())
                .collect();
            if events.len() >= 2 {
                return events;
            }
        }
    })
    .await
    .expect("two events arrive within 10 s");
    assert_eq!(events[0]["summary"], "a change hidden while coding blind");
    assert_eq!(events[0]["kinds"], serde_json::json!([]));
    assert_eq!(events[0]["sources"], serde_json::json!([]));
    assert!(!text.contains(&made[0].id.to_string()));
    assert!(!text.contains(&made[0].source.to_string()));
    assert_eq!(events[1]["action"], "memo.create", "{}", events[1]);
    assert_eq!(events[1]["author_name"], ACTING);
}
