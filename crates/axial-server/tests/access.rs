//! Access control with accounts: the role matrix over every operation of
//! the OpenAPI document, sign-in and sessions, rate limiting, and that a
//! refused write changes nothing.
//!
//! The matrix states its own expectations (which routes are public, for
//! administrators, owner-only, or readable by viewers) instead of asking the
//! server, and fails on any route it cannot classify, so a new route must be
//! given an access rule on purpose.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axial_app::{App, MemberRole};
use axial_core::{Project, Session, UserId};
use axial_server::{openapi_json, router, ServerConfig};
use axial_store::HistoryQuery;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const PASSWORD: &str = "a long test password";

struct Env {
    app: App,
    store: Arc<dyn axial_store::Store>,
    router: Router,
    csrf: String,
    demo: Project,
    ids: Ids,
    _dir: tempfile::TempDir,
}

/// The users of the matrix.
struct Ids {
    owner: UserId,
    coder: UserId,
    outsider: UserId,
}

struct Reply {
    status: StatusCode,
    body: Value,
    headers: HeaderMap,
}

/// The demo study with five accounts: an administrator who is no member, an
/// owner, a coder, a viewer, and an outsider who is no member either.
async fn env() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("access.db");
    let store = common::open_store(&db.display().to_string()).await;
    let app = App::new(store.clone());
    let (demo, _) = app.build_demo(&|_| {}).await.expect("demo builds");
    let setup = app.local_user("setup").await.expect("setup user");
    let mut made = Vec::new();
    for (name, admin) in [
        ("admin", true),
        ("owner", false),
        ("coder", false),
        ("viewer", false),
        ("outsider", false),
    ] {
        let a = app
            .create_account(&setup, name, None, PASSWORD, admin)
            .await
            .expect("account");
        made.push(a.id);
    }
    let ids = Ids {
        owner: made[1],
        coder: made[2],
        outsider: made[4],
    };
    for (name, role) in [
        ("owner", MemberRole::Owner),
        ("coder", MemberRole::Coder),
        ("viewer", MemberRole::Viewer),
    ] {
        let u = app.find_user(name).await.expect("user");
        app.set_member(&setup, &demo, &u, role)
            .await
            .expect("member");
    }
    let router = router(app.clone(), ServerConfig::default());
    let mut e = Env {
        app,
        store,
        router,
        csrf: String::new(),
        demo,
        ids,
        _dir: dir,
    };
    let r = e.send("GET", "/api/v1/session", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["accounts"], true);
    assert_eq!(r.body["user"], Value::Null);
    e.csrf = r.body["csrf_token"].as_str().expect("token").to_string();
    e
}

impl Env {
    async fn request(&self, req: Request<Body>) -> Reply {
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Reply {
            status,
            body,
            headers,
        }
    }

    fn build(&self, method: &str, uri: &str, cookie: Option<&str>) -> axum::http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("x-axial-csrf", &self.csrf)
            .header("content-type", "application/json");
        if let Some(c) = cookie {
            b = b.header("cookie", format!("axial_session={c}"));
        }
        b
    }

    async fn send(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let payload = body.clone().map(|b| b.to_string()).unwrap_or_default();
        let req = self
            .build(method, uri, cookie)
            .body(Body::from(payload))
            .expect("request");
        self.request(req).await
    }

    /// Only the status: some routes stream (server-sent events) and their
    /// bodies never end.
    async fn status(&self, method: &str, uri: &str, cookie: Option<&str>) -> (StatusCode, Value) {
        let body = if method == "GET" { "" } else { "{}" };
        let req = self
            .build(method, uri, cookie)
            .body(Body::from(body))
            .expect("request");
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = resp.status();
        if status.is_success() {
            return (status, Value::Null);
        }
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Signs in and returns the session token from the cookie.
    async fn login(&self, name: &str, password: &str) -> String {
        let r = self
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({ "name": name, "password": password })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {name}: {}", r.body);
        token_of(&r.headers).expect("login sets the session cookie")
    }

    async fn history_len(&self) -> usize {
        self.store
            .history(&HistoryQuery {
                project: None,
                author: None,
                before: None,
                limit: 100_000,
            })
            .await
            .expect("history")
            .len()
    }
}

fn set_cookie(headers: &HeaderMap) -> String {
    headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn token_of(headers: &HeaderMap) -> Option<String> {
    let c = set_cookie(headers);
    let v = c.strip_prefix("axial_session=")?.split(';').next()?;
    (!v.is_empty()).then(|| v.to_string())
}

// ---------- the role matrix ----------

/// Who may call a route, as this test expects it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    Public,
    SignedIn,
    Admin,
    /// Under `/projects/{project}`: what the least role is.
    Project(MemberRole),
}

fn rule(method: &str, path: &str) -> Rule {
    let read = method == "GET";
    match path {
        "/session" if read => return Rule::Public,
        "/auth/login" if method == "POST" => return Rule::Public,
        "/auth/logout" | "/auth/password" => return Rule::SignedIn,
        "/users" => return Rule::Admin,
        "/projects" | "/projects/import" => return Rule::SignedIn,
        _ => {}
    }
    let Some(rest) = path.strip_prefix("/projects/{project}") else {
        panic!(
            "{method} {path} is neither a project route nor a known account route: decide who may call it \
             (crates/axial-server/src/auth.rs, `need`) and add it to this test's `rule`"
        );
    };
    let owner_only = (!read && (rest.is_empty() || rest.starts_with("/members")))
        || (rest.starts_with("/participants/") && rest.contains("/withdraw"))
        || ["backup", "restore"].iter().any(|w| rest.contains(w));
    // The one POST that only reads: the segments behind a matrix cell.
    let read_only_post = method == "POST" && rest == "/analysis/segments";
    Rule::Project(if owner_only {
        MemberRole::Owner
    } else if read || read_only_post {
        MemberRole::Viewer
    } else {
        MemberRole::Coder
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    Outsider,
    Admin,
    Viewer,
    Coder,
    Owner,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Anonymous => "",
            Who::Outsider => "outsider",
            Who::Admin => "admin",
            Who::Viewer => "viewer",
            Who::Coder => "coder",
            Who::Owner => "owner",
        }
    }
    fn role(self) -> Option<MemberRole> {
        match self {
            Who::Viewer => Some(MemberRole::Viewer),
            Who::Coder => Some(MemberRole::Coder),
            Who::Owner => Some(MemberRole::Owner),
            _ => None,
        }
    }
}

/// What `who` must get from a route with `rule`: `Ok(status)` for an exact
/// status, `Err(())` for "anything but 401 and 403".
fn expect(who: Who, rule: Rule) -> Result<StatusCode, ()> {
    match (who, rule) {
        (_, Rule::Public) => Err(()),
        (Who::Anonymous, _) => Ok(StatusCode::UNAUTHORIZED),
        (_, Rule::SignedIn) => Err(()),
        (Who::Admin, Rule::Admin) => Err(()),
        (_, Rule::Admin) => Ok(StatusCode::FORBIDDEN),
        (w, Rule::Project(needed)) => match w.role() {
            None => Ok(StatusCode::NOT_FOUND),
            Some(have) if have >= needed => Err(()),
            Some(_) => Ok(StatusCode::FORBIDDEN),
        },
    }
}

/// Every operation of the OpenAPI document: (method, path template).
fn operations() -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(&openapi_json()).expect("the OpenAPI document is JSON");
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    // Signing out and deleting the project go last: they end what the
    // rest needs.
    ops.sort_by_key(|(m, p)| {
        (
            p == "/auth/logout" || (m == "DELETE" && p == "/projects/{project}"),
            p.clone(),
            m.clone(),
        )
    });
    ops
}

#[tokio::test]
async fn every_route_obeys_the_role_matrix() {
    let e = env().await;
    let p = &e.demo;
    let code = e.app.codes(p).await.expect("codes")[0].id.to_string();
    let source = e.app.sources(p).await.expect("sources")[0].id.to_string();
    let memo = e.app.memos(p).await.expect("memos")[0].id.to_string();
    let coding = e
        .store
        .codings(p.id, &axial_store::CodingFilter::all())
        .await
        .expect("codings")[0]
        .id
        .to_string();
    let relation = e
        .store
        .relations(p.id)
        .await
        .expect("relations")
        .first()
        .map(|r| r.id.to_string());
    let fill = |template: &str| -> String {
        let parts: Vec<String> = template
            .split('/')
            .map(|part| match part {
                "{project}" => p.id.to_string(),
                "{code}" => code.clone(),
                "{source}" => source.clone(),
                "{memo}" => memo.clone(),
                "{coding}" => coding.clone(),
                "{relation}" => relation
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                // Someone who is not a member: PUT adds them, DELETE finds nothing.
                "{user}" => e.ids.outsider.to_string(),
                s if s.starts_with('{') => uuid::Uuid::new_v4().to_string(),
                s => s.to_string(),
            })
            .collect();
        format!("/api/v1{}", parts.join("/"))
    };

    let ops = operations();
    assert!(ops.len() > 40, "the document lists the API: {}", ops.len());
    let mut checked = 0;
    for who in [
        Who::Anonymous,
        Who::Outsider,
        Who::Admin,
        Who::Viewer,
        Who::Coder,
        Who::Owner,
    ] {
        let mut token = match who {
            Who::Anonymous => None,
            w => Some(e.login(w.name(), PASSWORD).await),
        };
        for (method, template) in &ops {
            let rule = rule(method, template);
            let uri = fill(template);
            let (status, body) = e.status(method, &uri, token.as_deref()).await;
            let ctx = format!("{who:?} {method} {template} ({rule:?}) -> {status} {body}");
            match expect(who, rule) {
                Ok(want) => {
                    assert_eq!(status, want, "{ctx}");
                    if want == StatusCode::NOT_FOUND {
                        // From the access check, not from the handler.
                        assert_eq!(
                            body["error"]["message"],
                            format!("no project with id {}", p.id),
                            "{ctx}"
                        );
                    }
                    if want == StatusCode::FORBIDDEN {
                        assert_eq!(body["error"]["code"], "forbidden", "{ctx}");
                    }
                }
                Err(()) => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{ctx}"
                ),
            }
            if template == "/auth/logout" && token.is_some() {
                // The session is over; the next role signs in afresh anyway.
                let (s, _) = e.status("GET", "/api/v1/projects", token.as_deref()).await;
                assert_eq!(s, StatusCode::UNAUTHORIZED, "signed out: {who:?}");
                token = None;
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ops.len() * 6);
}

#[test]
fn the_matrix_classifies_every_documented_route() {
    for (m, p) in operations() {
        let _ = rule(&m, &p);
    }
    assert_eq!(
        rule("DELETE", "/projects/{project}/members/{user}"),
        Rule::Project(MemberRole::Owner)
    );
    assert_eq!(
        rule("GET", "/projects/{project}/codes"),
        Rule::Project(MemberRole::Viewer)
    );
}

// ---------- sessions ----------

#[tokio::test]
async fn login_sets_a_strict_cookie_and_logout_ends_the_session() {
    let e = env().await;
    let r = e
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({ "name": "coder", "password": PASSWORD })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["user"], "coder");
    assert!(r.body.get("csrf_token").is_some());
    let c = set_cookie(&r.headers);
    for part in [
        "axial_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=43200",
    ] {
        assert!(c.contains(part), "{part} in {c}");
    }
    assert!(!c.contains("Secure"), "plain http: {c}");
    let token = token_of(&r.headers).expect("token");
    assert_eq!(token.len(), 43, "32 random bytes in base64url");

    let s = e.send("GET", "/api/v1/session", Some(&token), None).await;
    assert_eq!(s.body["user"], "coder");
    assert_eq!(s.body["admin"], false);
    assert_eq!(s.body["accounts"], true);

    // Behind a TLS proxy the cookie is Secure.
    let req = e
        .build("POST", "/api/v1/auth/login", None)
        .header("x-forwarded-proto", "https")
        .body(Body::from(
            json!({ "name": "coder", "password": PASSWORD }).to_string(),
        ))
        .expect("request");
    let r = e.request(req).await;
    assert!(
        set_cookie(&r.headers).contains("; Secure"),
        "{:?}",
        r.headers
    );

    // Only the hash of the token is stored.
    let hash = axial_app::accounts::token_hash(&token);
    assert!(e.store.session(&hash).await.expect("read").is_some());
    assert!(e.store.session(&token).await.expect("read").is_none());

    let out = e
        .send("POST", "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(set_cookie(&out.headers).contains("Max-Age=0"));
    let after = e.send("GET", "/api/v1/projects", Some(&token), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.body["error"]["code"], "unauthorized");
    assert!(e.store.session(&hash).await.expect("read").is_none());

    let wrong = e
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({ "name": "coder", "password": "not the password" })),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(token_of(&wrong.headers).is_none());
    let nobody = e
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({ "name": "nobody", "password": PASSWORD })),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.body["error"]["message"], wrong.body["error"]["message"],
        "a wrong name and a wrong password look the same"
    );

    // Without a session the API answers 401, but the page itself loads.
    let page = e.send("GET", "/", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let api = e.send("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_session_is_refused_and_deleted() {
    let e = env().await;
    let token = "A".repeat(43);
    let hash = axial_app::accounts::token_hash(&token);
    let now = axial_core::now();
    e.store
        .create_session(&Session {
            token_hash: hash.clone(),
            user: e.ids.coder,
            created_at: now - time::Duration::hours(13),
            expires_at: now - time::Duration::hours(1),
        })
        .await
        .expect("session");
    let r = e.send("GET", "/api/v1/projects", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        set_cookie(&r.headers).contains("Max-Age=0"),
        "the browser is told to forget it"
    );
    assert!(e.store.session(&hash).await.expect("read").is_none());
    let s = e.send("GET", "/api/v1/session", Some(&token), None).await;
    assert_eq!(s.body["user"], Value::Null);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let e = env().await;
    let here = e.login("viewer", PASSWORD).await;
    let elsewhere = e.login("viewer", PASSWORD).await;
    let short = e
        .send(
            "POST",
            "/api/v1/auth/password",
            Some(&here),
            Some(json!({ "old": PASSWORD, "new": "short" })),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least 10 characters"),
        "{}",
        short.body
    );
    let wrong = e
        .send(
            "POST",
            "/api/v1/auth/password",
            Some(&here),
            Some(json!({ "old": "not the password", "new": "another long password" })),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Neither failure ended anything.
    let (s, _) = e.status("GET", "/api/v1/projects", Some(&elsewhere)).await;
    assert_eq!(s, StatusCode::OK);

    let ok = e
        .send(
            "POST",
            "/api/v1/auth/password",
            Some(&here),
            Some(json!({ "old": PASSWORD, "new": "another long password" })),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let (s, _) = e.status("GET", "/api/v1/projects", Some(&here)).await;
    assert_eq!(s, StatusCode::OK, "this session goes on");
    let (s, _) = e.status("GET", "/api/v1/projects", Some(&elsewhere)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the other session ended");
    let old = e
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({ "name": "viewer", "password": PASSWORD })),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    e.login("viewer", "another long password").await;
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_name_and_per_address() {
    let e = env().await;
    let from = |ip: &str, name: &str, password: &str| {
        let mut req = e
            .build("POST", "/api/v1/auth/login", None)
            .body(Body::from(
                json!({ "name": name, "password": password }).to_string(),
            ))
            .expect("request");
        let addr: SocketAddr = format!("{ip}:40000").parse().expect("address");
        req.extensions_mut().insert(ConnectInfo(addr));
        req
    };
    for i in 0..5 {
        let r = e
            .request(from("10.0.0.1", "coder", "wrong password!"))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Now even the right password waits.
    let r = e.request(from("10.0.0.1", "coder", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let wait: u64 = r.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("seconds");
    assert!(wait > 0 && wait <= 300, "{wait}");
    assert_eq!(r.body["error"]["code"], "rate_limited");
    // The same name from elsewhere is held too ...
    let r = e.request(from("10.0.0.2", "coder", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // ... and the same address trying another name.
    let r = e.request(from("10.0.0.1", "viewer", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Others are not.
    let r = e.request(from("10.0.0.3", "viewer", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn hashes_are_argon2id_and_never_reach_the_history() {
    let e = env().await;
    let t = e.login("coder", PASSWORD).await;
    e.send(
        "POST",
        "/api/v1/auth/password",
        Some(&t),
        Some(json!({ "old": PASSWORD, "new": "a different password" })),
    )
    .await;
    let a = e
        .store
        .account(e.ids.coder)
        .await
        .expect("read")
        .expect("account");
    assert!(
        a.password_hash.starts_with("$argon2id$v=19$"),
        "{}",
        a.password_hash
    );
    let log = e
        .store
        .history(&HistoryQuery {
            project: None,
            author: None,
            before: None,
            limit: 100_000,
        })
        .await
        .expect("history");
    let text = format!("{log:?}");
    assert!(!text.contains("$argon2"), "no hash in the log");
    assert!(!text.contains(PASSWORD) && !text.contains("a different password"));
    assert!(
        log.iter()
            .any(|c| c.action == axial_core::Action::AccountUpdate
                && c.summary.contains("coder")
                && c.ops.is_empty()),
        "the password change is logged without content"
    );
    assert!(log
        .iter()
        .any(|c| c.action == axial_core::Action::UserCreate && c.summary.contains("'outsider'")));
}

// ---------- roles at work ----------

#[tokio::test]
async fn a_viewers_writes_leave_the_database_unchanged() {
    let e = env().await;
    let t = e.login("viewer", PASSWORD).await;
    let p = e.demo.id;
    let code = e.app.codes(&e.demo).await.expect("codes")[0].id;
    let memo = e.app.memos(&e.demo).await.expect("memos")[0].id;
    let source = e.app.sources(&e.demo).await.expect("sources")[0].id;
    let before = e.store.snapshot(p).await.expect("snapshot");
    let changes = e.history_len().await;
    for (method, uri, body) in [
        (
            "POST",
            format!("/api/v1/projects/{p}/codes"),
            json!({ "name": "Viewer code" }),
        ),
        (
            "DELETE",
            format!("/api/v1/projects/{p}/codes/{code}"),
            json!({}),
        ),
        (
            "PATCH",
            format!("/api/v1/projects/{p}/memos/{memo}"),
            json!({ "title": "changed" }),
        ),
        (
            "POST",
            format!("/api/v1/projects/{p}/codings"),
            json!({ "source": source.to_string(), "code": code.to_string(), "first_line": 1, "last_line": 2 }),
        ),
        ("POST", format!("/api/v1/projects/{p}/undo"), json!({})),
        (
            "PUT",
            format!("/api/v1/projects/{p}/members/viewer"),
            json!({ "role": "owner" }),
        ),
    ] {
        let r = e.send(method, &uri, Some(&t), Some(body)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {uri}: {}",
            r.body
        );
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("you are a viewer"),
            "{}",
            r.body
        );
    }
    assert_eq!(e.store.snapshot(p).await.expect("snapshot"), before);
    assert_eq!(e.history_len().await, changes);
    // Reading works.
    let r = e
        .send(
            "GET",
            &format!("/api/v1/projects/{p}/codes"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn projects_are_listed_for_members_and_creators_own_them() {
    let e = env().await;
    let viewer = e.login("viewer", PASSWORD).await;
    let outsider = e.login("outsider", PASSWORD).await;
    let coder = e.login("coder", PASSWORD).await;
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let r = e.send("GET", "/api/v1/projects", Some(&viewer), None).await;
    assert_eq!(names(&r.body), vec![e.demo.name.clone()]);
    let r = e
        .send("GET", "/api/v1/projects", Some(&outsider), None)
        .await;
    assert!(names(&r.body).is_empty(), "{}", r.body);

    // The outsider creates a project: they own it, nobody else sees it.
    let r = e
        .send(
            "POST",
            "/api/v1/projects",
            Some(&outsider),
            Some(json!({ "name": "Own study" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let own = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        e.app
            .role(own.parse().unwrap(), e.ids.outsider)
            .await
            .unwrap(),
        Some(MemberRole::Owner)
    );
    let r = e
        .send("GET", "/api/v1/projects", Some(&outsider), None)
        .await;
    assert_eq!(names(&r.body), vec!["Own study".to_string()]);
    let r = e
        .send(
            "GET",
            &format!("/api/v1/projects/{own}"),
            Some(&coder),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Changes carry the signed-in author.
    let r = e
        .send(
            "POST",
            &format!("/api/v1/projects/{own}/codes"),
            Some(&outsider),
            Some(json!({ "name": "Mine" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let log = e
        .store
        .history(&HistoryQuery {
            project: Some(own.parse().unwrap()),
            author: None,
            before: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert!(log.iter().all(|c| c.author == e.ids.outsider), "{log:?}");
    assert_eq!(log.len(), 2);
}

#[tokio::test]
async fn owners_manage_members_and_keep_one_owner() {
    let e = env().await;
    let owner = e.login("owner", PASSWORD).await;
    let coder = e.login("coder", PASSWORD).await;
    let p = e.demo.id;
    let members = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().to_string(),
                    m["role"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let r = e
        .send(
            "GET",
            &format!("/api/v1/projects/{p}/members"),
            Some(&coder),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        members(&r.body),
        vec![
            ("owner".to_string(), "owner".to_string()),
            ("coder".to_string(), "coder".to_string()),
            ("viewer".to_string(), "viewer".to_string()),
        ]
    );
    let r = e
        .send(
            "PUT",
            &format!("/api/v1/projects/{p}/members/outsider"),
            Some(&coder),
            Some(json!({ "role": "viewer" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = e
        .send(
            "PUT",
            &format!("/api/v1/projects/{p}/members/outsider"),
            Some(&owner),
            Some(json!({ "role": "viewer" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["role"], "viewer");
    let outsider = e.login("outsider", PASSWORD).await;
    let (s, _) = e
        .status("GET", &format!("/api/v1/projects/{p}"), Some(&outsider))
        .await;
    assert_eq!(s, StatusCode::OK, "a member now");
    let r = e
        .send(
            "PUT",
            &format!("/api/v1/projects/{p}/members/outsider"),
            Some(&owner),
            Some(json!({ "role": "boss" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = e
        .send(
            "DELETE",
            &format!("/api/v1/projects/{p}/members/{}", e.ids.owner),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("last owner"));
    let r = e
        .send(
            "DELETE",
            &format!("/api/v1/projects/{p}/members/outsider"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let (s, _) = e
        .status("GET", &format!("/api/v1/projects/{p}"), Some(&outsider))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no longer a member");
}

#[tokio::test]
async fn administrators_create_users_and_any_host_is_answered() {
    let e = env().await;
    let admin = e.login("admin", PASSWORD).await;
    let coder = e.login("coder", PASSWORD).await;
    let new_user = json!({ "name": "newcomer", "password": "newcomer's password", "display_name": "New Comer" });
    let r = e
        .send(
            "POST",
            "/api/v1/users",
            Some(&coder),
            Some(new_user.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = e
        .send("POST", "/api/v1/users", Some(&admin), Some(new_user))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["display_name"], "New Comer");
    let r = e.send("GET", "/api/v1/users", Some(&admin), None).await;
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["admin", "coder", "newcomer", "outsider", "owner", "viewer"]
    );
    e.login("newcomer", "newcomer's password").await;
    // An administrator is no member by right.
    let (s, _) = e
        .status(
            "GET",
            &format!("/api/v1/projects/{}", e.demo.id),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // With accounts the server may sit behind a proxy under any name.
    let req = e
        .build("GET", "/api/v1/session", None)
        .header("host", "axial.example.org")
        .body(Body::empty())
        .expect("request");
    assert_eq!(e.request(req).await.status, StatusCode::OK);
}
