//! Properties API tests, in-process over the demo study (which ships with
//! placed segments): list with segments, add, place, move, profile, change
//! the steps, unplace, delete; refusals; and that no placement outlives its
//! coding or code (remove, delete, merge — each in the same change — and a
//! deleted source, whose placements are skipped when read).

mod common;

use axial_app::properties::{Placement, Property};
use axial_app::App;
use axial_core::{Project, RecordId};
use axial_server::{router, ServerConfig};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct Env {
    app: App,
    project: Project,
    router: Router,
    csrf: String,
    base: String,
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
        base: format!("/api/v1/projects/{}", project.id),
        project,
        _dir: dir,
    };
    let (_, s) = e.raw("GET", "/api/v1/session", None, true).await;
    e.csrf = s["csrf_token"].as_str().expect("token").to_string();
    e
}

impl Env {
    async fn raw(
        &self,
        method: &str,
        uri: &str,
        body: Option<Value>,
        with_csrf: bool,
    ) -> (StatusCode, Value) {
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
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.raw(method, &format!("{}{path}", self.base), body, true)
            .await
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.call(method, path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v
    }

    async fn code(&self, name: &str) -> String {
        self.app
            .find_code(&self.project, name)
            .await
            .expect("demo code")
            .id
            .to_string()
    }

    async fn properties(&self, code: &str) -> Vec<Value> {
        self.ok("GET", &format!("/codes/{code}/properties"), None)
            .await
            .as_array()
            .expect("a list")
            .clone()
    }

    async fn stored_placements(&self) -> Vec<Placement> {
        self.app
            .records_of::<Placement>(&self.project)
            .await
            .expect("placements")
            .into_iter()
            .map(|t| t.body)
            .collect()
    }

    async fn stored_properties(&self) -> Vec<(RecordId, Property)> {
        self.app
            .records_of::<Property>(&self.project)
            .await
            .expect("properties")
            .into_iter()
            .map(|t| (t.id(), t.body))
            .collect()
    }

    async fn changes(&self) -> u64 {
        self.app
            .store()
            .counts(self.project.id)
            .await
            .expect("counts")
            .changes
    }
}

#[tokio::test]
async fn properties_round_trip_over_http() {
    let e = demo().await;
    let standards = e.code("Personal standards").await;
    let props = e.properties(&standards).await;
    assert_eq!(props.len(), 1);
    let explicitness = props[0]["id"].as_str().expect("id").to_string();
    assert_eq!(props[0]["steps"], 5);
    let placed = props[0]["placements"].as_array().expect("placements");
    assert_eq!(placed.len(), 15);
    for p in placed {
        assert!(!p["segment"]["text"].as_str().unwrap_or_default().is_empty());
        assert!(p["segment"]["attribution"]
            .as_str()
            .is_some_and(|a| a.starts_with("(Interviewee ")));
    }
    let ats: Vec<f64> = placed.iter().map(|p| p["at"].as_f64().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] <= w[1]), "lowest first");
    let coding = placed[0]["coding"].as_str().expect("coding").to_string();

    // A second, continuous property; the coding can go on both.
    let (status, certainty) = e
        .call(
            "POST",
            &format!("/codes/{standards}/properties"),
            Some(json!({"name": "certainty", "low": "doubtful", "high": "sure"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{certainty}");
    assert_eq!(certainty["steps"], Value::Null);
    let certainty = certainty["id"].as_str().expect("id").to_string();
    let first = e
        .ok(
            "POST",
            "/placements",
            Some(json!({"coding": coding, "property": certainty, "position": 0.25, "note": "hedged"})),
        )
        .await;
    let moved = e
        .ok(
            "POST",
            "/placements",
            Some(json!({"coding": coding, "property": certainty, "position": 0.75})),
        )
        .await;
    assert_eq!(moved["id"], first["id"], "moving keeps the placement");
    assert_eq!(moved["position"], 0.75);
    assert_eq!(moved["note"], "hedged", "a move without a note keeps it");
    let options = e
        .ok("GET", &format!("/placements?coding={coding}"), None)
        .await;
    let options = options.as_array().expect("a list");
    assert_eq!(options.len(), 2, "{options:?}");
    assert!(options.iter().all(|o| !o["placement"].is_null()));

    // Changing the steps keeps every segment's place between the poles.
    let before: Vec<f64> = placed.iter().map(|p| p["at"].as_f64().unwrap()).collect();
    let changed = e
        .ok(
            "PATCH",
            &format!("/codes/{standards}/properties/{explicitness}"),
            Some(json!({"steps": 3, "name": "Explicitness"})),
        )
        .await;
    assert_eq!(changed["name"], "Explicitness");
    assert_eq!(changed["steps"], 3);
    for (p, was) in changed["placements"]
        .as_array()
        .expect("placements")
        .iter()
        .zip(&before)
    {
        let at = p["at"].as_f64().unwrap();
        assert!((at - was).abs() <= 0.25, "{at} vs {was}");
        assert!([1.0, 2.0, 3.0].contains(&p["position"].as_f64().unwrap()));
    }

    let profile = e
        .ok(
            "GET",
            &format!("/codes/{standards}/properties/{explicitness}/profile?by=staff%20group"),
            None,
        )
        .await;
    assert_eq!(profile["by"], "staff group");
    assert_eq!(profile["bins"].as_array().map(Vec::len), Some(3));
    assert_eq!(profile["overall"]["placements"], 15);
    let sum: u64 = profile["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["placements"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 15);

    // Refusals say what is wrong and change nothing.
    let n = e.changes().await;
    let other_code = e.code("Not enough time").await;
    let elsewhere = e
        .app
        .store()
        .codings(
            e.project.id,
            &axial_store::CodingFilter::code(other_code.parse().expect("code id")),
        )
        .await
        .expect("codings")[0]
        .id
        .to_string();
    let refusals = [
        (
            "POST",
            format!("/codes/{standards}/properties"),
            json!({"name": "CERTAINTY", "low": "a", "high": "b"}),
            StatusCode::CONFLICT,
            "already has a property named",
        ),
        (
            "POST",
            format!("/codes/{standards}/properties"),
            json!({"name": "x", "low": "a", "high": "b", "steps": 40}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "2 to 11 steps",
        ),
        (
            "POST",
            "/placements".to_string(),
            json!({"coding": coding, "property": explicitness, "position": 7}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "give a whole step from 1 (tacit) to 3 (explicit)",
        ),
        (
            "POST",
            "/placements".to_string(),
            json!({"coding": elsewhere, "property": explicitness, "position": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "neither 'Personal standards' nor a code under it",
        ),
        (
            "POST",
            "/placements".to_string(),
            json!({"coding": coding, "property": RecordId::new().to_string(), "position": 1}),
            StatusCode::NOT_FOUND,
            "property",
        ),
        (
            "POST",
            "/placements".to_string(),
            json!({"coding": "nonsense", "property": explicitness, "position": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nonsense",
        ),
    ];
    for (method, path, body, status, want) in refusals {
        let (got, v) = e.call(method, &path, Some(body.clone())).await;
        assert_eq!(got, status, "{path} {body}: {v}");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(want), "{path} {body}: {msg}");
    }
    let (got, v) = e
        .call(
            "GET",
            &format!("/codes/{standards}/properties/{explicitness}/profile?by=shoe%20size"),
            None,
        )
        .await;
    assert_eq!(got, StatusCode::NOT_FOUND, "{v}");
    let (got, _) = e
        .raw(
            "POST",
            &format!("{}/placements", e.base),
            Some(json!({"coding": coding, "property": explicitness, "position": 1})),
            false,
        )
        .await;
    assert_eq!(got, StatusCode::FORBIDDEN, "changes need the CSRF token");
    assert_eq!(e.changes().await, n, "refusals change nothing");

    // Unplace by id, then delete a property with its placements.
    e.ok(
        "DELETE",
        &format!("/placements/{}", first["id"].as_str().unwrap()),
        None,
    )
    .await;
    let gone = e
        .ok(
            "DELETE",
            &format!("/codes/{standards}/properties/{explicitness}"),
            None,
        )
        .await;
    assert_eq!(gone["placements"], 15);
    assert!(e
        .stored_placements()
        .await
        .iter()
        .all(|p| p.property.to_string() != explicitness));
    let left = e.properties(&standards).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["name"], "certainty");
}

#[tokio::test]
async fn removing_a_coding_takes_its_placements_in_the_same_change() {
    let e = demo().await;
    let standards = e.code("Personal standards").await;
    let placed = e.properties(&standards).await[0]["placements"]
        .as_array()
        .expect("placements")
        .clone();
    let coding = placed[0]["coding"].as_str().expect("coding").to_string();
    let n = e.changes().await;
    e.ok("DELETE", &format!("/codings/{coding}"), None).await;
    assert_eq!(e.changes().await, n + 1, "one change");
    assert!(!e
        .stored_placements()
        .await
        .iter()
        .any(|p| p.coding.to_string() == coding));
    assert_eq!(
        e.properties(&standards).await[0]["placements"]
            .as_array()
            .map(Vec::len),
        Some(14)
    );
    // Undo brings the coding back with its placement.
    e.ok("POST", "/undo", None).await;
    assert!(e
        .stored_placements()
        .await
        .iter()
        .any(|p| p.coding.to_string() == coding));
}

#[tokio::test]
async fn deleting_a_code_takes_its_placements_and_properties() {
    let e = demo().await;
    let standards = e.code("Personal standards").await;
    let placed = e.properties(&standards).await[0]["placements"]
        .as_array()
        .expect("placements")
        .clone();
    // Delete one code under the category: its codings' placements go.
    let sub = placed[0]["segment"]["code_id"]
        .as_str()
        .expect("code id")
        .to_string();
    let of_sub = placed
        .iter()
        .filter(|p| p["segment"]["code_id"] == sub.as_str())
        .count();
    e.ok("DELETE", &format!("/codes/{sub}"), None).await;
    assert_eq!(e.stored_placements().await.len(), 15 + 8 - of_sub);
    // Delete the category: its property goes with all its placements.
    e.ok("DELETE", &format!("/codes/{standards}"), None).await;
    let props = e.stored_properties().await;
    assert_eq!(props.len(), 1, "only the other demo property is left");
    assert_eq!(props[0].1.name, "intensity");
    assert_eq!(e.stored_placements().await.len(), 8);
    // Undo restores the category, its property and its placements.
    e.ok("POST", "/undo", None).await;
    assert_eq!(e.stored_properties().await.len(), 2);
    assert_eq!(e.stored_placements().await.len(), 15 + 8 - of_sub);
}

#[tokio::test]
async fn merging_codes_moves_properties_and_placements() {
    let e = demo().await;
    let standards = e.code("Personal standards").await;
    let tacit = e.code("Tacit and experiential knowledge").await;
    // The target has a property of the same name on a continuous scale:
    // the merged placements join it, kept in place between the poles.
    e.ok(
        "POST",
        &format!("/codes/{tacit}/properties"),
        Some(json!({"name": "Explicitness", "low": "unspoken", "high": "spelled out"})),
    )
    .await;
    let before: Vec<(String, f64)> = e.properties(&standards).await[0]["placements"]
        .as_array()
        .expect("placements")
        .iter()
        .map(|p| {
            (
                p["coding"].as_str().unwrap().to_string(),
                p["at"].as_f64().unwrap(),
            )
        })
        .collect();
    let n = e.changes().await;
    e.ok(
        "POST",
        &format!("/codes/{standards}/merge"),
        Some(json!({"into": tacit})),
    )
    .await;
    assert_eq!(e.changes().await, n + 1, "one change");
    let props = e.properties(&tacit).await;
    assert_eq!(props.len(), 1, "the twin absorbed the merged property");
    let after: Vec<(String, f64)> = props[0]["placements"]
        .as_array()
        .expect("placements")
        .iter()
        .map(|p| {
            (
                p["coding"].as_str().unwrap().to_string(),
                p["at"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut a = after.clone();
    let mut b = before.clone();
    a.sort_by(|x, y| x.0.cmp(&y.0));
    b.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(a, b, "same segments at the same places");
    assert!(e
        .stored_properties()
        .await
        .iter()
        .all(|(_, p)| p.code.to_string() != standards));

    // Without a twin the property itself moves to the target.
    let pressure = e.code("Efficiency pressure").await;
    e.ok(
        "POST",
        &format!("/codes/{pressure}/merge"),
        Some(json!({"into": tacit})),
    )
    .await;
    let names: Vec<String> = e
        .properties(&tacit)
        .await
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["Explicitness", "intensity"]);
    assert_eq!(e.stored_placements().await.len(), 15 + 8);
}

#[tokio::test]
async fn placements_of_a_deleted_source_are_skipped_when_read() {
    let e = demo().await;
    let standards = e.code("Personal standards").await;
    let placed = e.properties(&standards).await[0]["placements"]
        .as_array()
        .expect("placements")
        .clone();
    let source_id = placed[0]["segment"]["source_id"].as_str().expect("source");
    let in_source = placed
        .iter()
        .filter(|p| p["segment"]["source_id"] == source_id)
        .count();
    let source = e
        .app
        .store()
        .source(source_id.parse().expect("source id"))
        .await
        .expect("source");
    let actor = e.app.local_user("researcher").await.expect("user");
    e.app
        .delete_source(&actor, &e.project, &source)
        .await
        .expect("source deleted");
    let props = e.properties(&standards).await;
    let left = props[0]["placements"].as_array().expect("placements");
    assert_eq!(left.len(), 15 - in_source);
    assert!(left.iter().all(|p| p["segment"]["source_id"] != source_id));
    let explicitness = props[0]["id"].as_str().unwrap();
    let profile = e
        .ok(
            "GET",
            &format!("/codes/{standards}/properties/{explicitness}/profile"),
            None,
        )
        .await;
    assert_eq!(profile["overall"]["placements"], 15 - in_source as u64);
}
