//! Who is calling, and what they may do: the one place access is decided.
//!
//! Without accounts the server acts as the one local user (and listens on
//! loopback only). Once an account exists every `/api/v1` route except
//! `GET /session` and `POST /auth/login` needs a valid session cookie
//! ([`COOKIE`]), and [`layer`] enforces the access policy of [`need`] before
//! any handler runs:
//!
//! - `/projects/{project}/…`: the caller's role in that project (from
//!   `App::role`; administrators are not members by right). Reads need a
//!   viewer, everything else a coder; managing members, renaming or deleting
//!   the project, withdrawing participants and backups need an owner. A
//!   caller who is not a member gets the same 404 as for a project that does
//!   not exist, so project ids reveal nothing.
//! - `/users`: administrators only. Anything else: any signed-in user.
//!
//! The caller is put in a task-local scope around the handler, so
//! `AppState::actor()` returns the signed-in user and every change carries
//! its real author. Failed sign-ins are counted per client address and per
//! name ([`LoginLimiter`]). Cookies and CSRF headers are checked here and in
//! `security.rs`; no use-case logic lives here.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axial_app::{AppError, MemberRole, SignedIn};
use axial_core::{EntityKind, ProjectId};
use axial_store::StoreError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{ApiError, AppState};

/// The session cookie's name.
pub const COOKIE: &str = "axial_session";
/// Failed sign-ins allowed per client address and per name within [`LOGIN_WINDOW`].
pub const LOGIN_FAILURES: usize = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The caller of the request being handled.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// No accounts exist: the local user acts.
    Local,
    /// Accounts exist and no valid session came with the request.
    Anonymous,
    /// Signed in; `token` is the session's, to keep it on a password change.
    Signed { who: SignedIn, token: String },
}

tokio::task_local! {
    static CALLER: Caller;
}

/// The caller of the request being handled, if called inside [`layer`].
pub(crate) fn caller() -> Option<Caller> {
    CALLER.try_with(Caller::clone).ok()
}

/// The client's address as seen by the server (or by a reverse proxy on
/// the same machine), for rate limiting.
#[derive(Debug, Clone)]
pub(crate) struct ClientIp(pub String);

/// Whether accounts exist, worked out once per request by the security guard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AccountsOn(pub bool);

/// What a route needs of its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Anyone (the session probe and signing in).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in administrator.
    Admin,
    /// A member of the project named by the path segment with at least this role.
    Project { project: String, role: MemberRole },
}

/// `POST` routes under a project that only read: open to viewers.
const READ_ONLY_POSTS: &[&[&str]] = &[&["analysis", "segments"]];

/// The access policy: what `method path` needs (`path` is under `/api/v1`).
pub fn need(method: &Method, path: &str) -> Need {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let read = matches!(*method, Method::GET | Method::HEAD);
    match segments.as_slice() {
        ["session"] if read => Need::Public,
        ["auth", "login"] if *method == Method::POST => Need::Public,
        ["users", ..] => Need::Admin,
        ["projects"] | ["projects", "import"] => Need::SignedIn,
        ["projects", project, rest @ ..] => Need::Project {
            project: project.to_string(),
            role: project_role(method, rest),
        },
        _ => Need::SignedIn,
    }
}

fn project_role(method: &Method, rest: &[&str]) -> MemberRole {
    let read = matches!(*method, Method::GET | Method::HEAD);
    // Renaming or deleting the project itself, and managing its members.
    let manages = !read && (rest.is_empty() || rest.first() == Some(&"members"));
    let owner_only = manages
        || (rest.first() == Some(&"participants") && rest.contains(&"withdraw"))
        || rest
            .iter()
            .any(|s| matches!(*s, "backup" | "backups" | "restore"));
    if owner_only {
        MemberRole::Owner
    } else if read || (*method == Method::POST && READ_ONLY_POSTS.contains(&rest)) {
        MemberRole::Viewer
    } else {
        MemberRole::Coder
    }
}

/// The 401 every route but the public ones answers without a session.
pub(crate) fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "sign in first (POST /api/v1/auth/login with your name and password); your session may have expired",
    )
}

/// The same answer as for a project that does not exist.
fn no_project(id: &str) -> ApiError {
    ApiError::from(AppError::Store(StoreError::NotFound {
        kind: EntityKind::Project,
        id: id.to_string(),
    }))
}

/// The middleware: resolves the caller, applies [`need`], runs the handler
/// with the caller in scope.
pub(crate) async fn layer(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req);
    req.extensions_mut().insert(ClientIp(ip));
    let path = req.uri().path();
    let Some(api) = path.strip_prefix("/api/") else {
        // The UI's static files are public: the page shows the sign-in form.
        return next.run(req).await;
    };
    let api = api.strip_prefix("v1").unwrap_or(api).to_string();
    let on = match req.extensions().get::<AccountsOn>() {
        Some(a) => a.0,
        None => match s.accounts_on().await {
            Ok(on) => on,
            Err(e) => return e.into_response(),
        },
    };
    if !on {
        return CALLER.scope(Caller::Local, next.run(req)).await;
    }
    let token = cookie_token(req.headers());
    let caller = match &token {
        Some(t) => match s.app.authenticate(t).await {
            Ok(Some(who)) => Caller::Signed {
                who,
                token: t.clone(),
            },
            Ok(None) => Caller::Anonymous,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => Caller::Anonymous,
    };
    if let Err(e) = allow(&s, &need(req.method(), &api), &caller).await {
        let mut resp = e.into_response();
        if token.is_some() && matches!(caller, Caller::Anonymous) {
            // A stale cookie: tell the browser to forget it.
            resp.headers_mut()
                .insert(header::SET_COOKIE, clear_cookie(is_https(req.headers())));
        }
        return resp;
    }
    CALLER.scope(caller, next.run(req)).await
}

async fn allow(s: &AppState, need: &Need, caller: &Caller) -> Result<(), ApiError> {
    if *need == Need::Public {
        return Ok(());
    }
    let Caller::Signed { who, .. } = caller else {
        return Err(unauthorized());
    };
    match need {
        Need::Public | Need::SignedIn => Ok(()),
        Need::Admin if who.admin => Ok(()),
        Need::Admin => Err(ApiError::forbidden(
            "forbidden",
            "only an administrator can list and create user accounts",
        )),
        Need::Project { project, role } => {
            let Ok(id) = project.parse::<ProjectId>() else {
                return Err(no_project(project));
            };
            match s.app.role(id, who.actor.id()).await? {
                None => Err(no_project(project)),
                Some(have) if have.allows(*role) => Ok(()),
                Some(have) => Err(ApiError::forbidden(
                    "forbidden",
                    format!(
                        "this needs the {role} role in the project and you are a {have}; ask an owner of the project"
                    ),
                )),
            }
        }
    }
}

/// The session token in the request's cookies.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Whether the request reached the reverse proxy over https.
pub(crate) fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

fn cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("session tokens are base64url, so the cookie is a valid header")
}

/// The cookie that carries a new session.
pub(crate) fn session_cookie(token: &str, max_age: Duration, secure: bool) -> HeaderValue {
    cookie(token, max_age.as_secs() as i64, secure)
}

/// The cookie that makes the browser forget its session.
pub(crate) fn clear_cookie(secure: bool) -> HeaderValue {
    cookie("", 0, secure)
}

/// The peer's address; behind a reverse proxy on the same machine, the
/// address the proxy saw (the last `X-Forwarded-For` entry).
fn client_ip(req: &Request) -> String {
    let peer: Option<IpAddr> = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = || {
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match peer {
        Some(ip) if ip.is_loopback() => forwarded().unwrap_or_else(|| ip.to_string()),
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

/// Failed sign-ins per key (a client address, a name) in a sliding window,
/// in memory: a restart forgets them.
#[derive(Debug, Default)]
pub(crate) struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// `Err(wait)` when any key has used up its failures.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::ZERO;
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                prune(q, now);
                if q.len() >= LOGIN_FAILURES {
                    let oldest = *q.front().expect("a full queue has a front");
                    wait = wait.max(LOGIN_WINDOW.saturating_sub(now - oldest));
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait.max(Duration::from_secs(1)))
        }
    }

    pub fn fail(&self, keys: &[String], now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, q| {
                prune(q, now);
                !q.is_empty()
            });
        }
        for k in keys {
            let q = map.entry(k.clone()).or_default();
            prune(q, now);
            q.push_back(now);
            while q.len() > LOGIN_FAILURES {
                q.pop_front();
            }
        }
    }

    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

fn prune(q: &mut VecDeque<Instant>, now: Instant) {
    while q.front().is_some_and(|t| now - *t >= LOGIN_WINDOW) {
        q.pop_front();
    }
}

/// The 429 answer with its `Retry-After`.
pub(crate) fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let mut resp = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many failed sign-ins; wait {secs} seconds and try again"),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: Method, path: &str, expect: Need) {
        assert_eq!(need(&method, path), expect, "{method} {path}");
    }

    fn project(role: MemberRole) -> Need {
        Need::Project {
            project: "p".into(),
            role,
        }
    }

    #[test]
    fn the_policy() {
        use MemberRole::*;
        check(Method::GET, "/session", Need::Public);
        check(Method::POST, "/auth/login", Need::Public);
        check(Method::POST, "/session", Need::SignedIn);
        check(Method::GET, "/auth/login", Need::SignedIn);
        check(Method::POST, "/auth/logout", Need::SignedIn);
        check(Method::GET, "/openapi.json", Need::SignedIn);
        check(Method::GET, "/users", Need::Admin);
        check(Method::POST, "/users", Need::Admin);
        check(Method::GET, "/projects", Need::SignedIn);
        check(Method::POST, "/projects/import", Need::SignedIn);
        check(Method::GET, "/projects/p", project(Viewer));
        check(Method::HEAD, "/projects/p/codes", project(Viewer));
        check(Method::PATCH, "/projects/p", project(Owner));
        check(Method::DELETE, "/projects/p", project(Owner));
        check(Method::POST, "/projects/p/codes", project(Coder));
        check(Method::DELETE, "/projects/p/codes/c", project(Coder));
        check(
            Method::POST,
            "/projects/p/analysis/segments",
            project(Viewer),
        );
        check(Method::POST, "/projects/p/analysis/queries", project(Coder));
        check(Method::GET, "/projects/p/members", project(Viewer));
        check(Method::PUT, "/projects/p/members/u", project(Owner));
        check(Method::DELETE, "/projects/p/members/u", project(Owner));
        check(
            Method::POST,
            "/projects/p/participants/x/withdraw",
            project(Owner),
        );
        check(
            Method::POST,
            "/projects/p/participants/x/withdraw/preview",
            project(Owner),
        );
        check(Method::POST, "/projects/p/participants", project(Coder));
        check(Method::POST, "/projects/p/restore", project(Owner));
        check(Method::GET, "/projects/p/backups", project(Owner));
    }

    #[test]
    fn cookies() {
        let mut h = HeaderMap::new();
        assert_eq!(cookie_token(&h), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; axial_session=abc-_1; x=y"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("abc-_1"));
        let c = session_cookie("tok", Duration::from_secs(60), false);
        let c = c.to_str().unwrap();
        for part in [
            "axial_session=tok",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Max-Age=60",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Secure"));
        assert!(session_cookie("tok", Duration::from_secs(60), true)
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_https(&h));
    }

    #[test]
    fn limiter_counts_failures_in_a_window() {
        let l = LoginLimiter::default();
        let keys = vec!["ip 1".to_string(), "name alice".to_string()];
        let t0 = Instant::now();
        for i in 0..LOGIN_FAILURES {
            assert!(l.check(&keys, t0).is_ok(), "attempt {i}");
            l.fail(&keys, t0);
        }
        let wait = l.check(&keys, t0).unwrap_err();
        assert_eq!(wait, LOGIN_WINDOW);
        // Another client trying the same name is held too.
        assert!(l.check(&["ip 2".into(), "name alice".into()], t0).is_err());
        // A different name from a fresh address is not.
        assert!(l.check(&["ip 3".into(), "name bob".into()], t0).is_ok());
        // Once the window has passed, the failures are forgotten.
        assert!(l.check(&keys, t0 + LOGIN_WINDOW).is_ok());
        l.clear("name alice");
        assert!(l.check(&["ip 2".into(), "name alice".into()], t0).is_ok());
    }
}
