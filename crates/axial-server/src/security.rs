//! Request guards and response headers that protect the workspace.
//!
//! - Cross-site request forgery: every state-changing request must carry the
//!   per-process token in `X-Axial-CSRF` (the UI reads it from
//!   `GET /api/v1/session`, which other sites cannot read), and when the
//!   browser says where it came from (`Origin`, `Sec-Fetch-Site`) that must
//!   be this server.
//! - DNS rebinding: while no account exists (the server is loopback-only),
//!   a `Host` header that is not a loopback name is refused, so a hostile
//!   page cannot pose as same-origin through a DNS name pointing at
//!   127.0.0.1. With accounts every request needs a session cookie, which
//!   such a page does not have, and the server may sit behind a proxy.
//! - A strict Content-Security-Policy (no inline script, no plugins, no
//!   framing), `nosniff`, no referrer; API responses are not cached.
//! - Request bodies are limited (JSON 2 MiB; uploads set their own limit).
//!
//! Who the caller is and what they may do is decided in `auth.rs`; this
//! guard runs first and tells it whether accounts exist.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::auth::AccountsOn;
use crate::{ApiError, AppState};

/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-axial-csrf";
/// Largest JSON request body.
pub const JSON_LIMIT: usize = 2 * 1024 * 1024;
/// Largest upload (all files of one request).
pub const UPLOAD_LIMIT: usize = 200 * 1024 * 1024;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                       object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// A fresh random token (two v4 UUIDs: 244 random bits).
pub fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Adds the guards and headers around the whole router.
pub fn wrap(router: Router, state: AppState) -> Router {
    router
        .layer(middleware::from_fn_with_state(state, guard))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
}

async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let accounts = match state.accounts_on().await {
        Ok(on) => on,
        Err(e) => return with_headers(e.into_response(), true),
    };
    if let Err(e) = check_request(&state, accounts, req.method(), req.headers()) {
        return with_headers(e.into_response(), true);
    }
    req.extensions_mut().insert(AccountsOn(accounts));
    with_headers(next.run(req).await, is_api)
}

fn check_request(
    state: &AppState,
    accounts: bool,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !accounts && !state.cfg.allow_non_loopback {
        if let Some(h) = host {
            if !is_loopback_host(h) {
                return Err(ApiError::forbidden(
                    "host",
                    format!("this Axial server answers only to loopback names (localhost, 127.0.0.1, [::1]), not '{h}'"),
                ));
            }
        }
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return Err(ApiError::forbidden(
                "csrf",
                format!("cross-site request refused (Sec-Fetch-Site: {site})"),
            ));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let same = host
            .is_some_and(|h| origin == format!("http://{h}") || origin == format!("https://{h}"));
        if !same {
            return Err(ApiError::forbidden(
                "csrf",
                format!("request from another origin ({origin}) refused"),
            ));
        }
    }
    let token = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let of_session = crate::auth::cookie_token(headers).map(|t| session_csrf(&t));
    let good = constant_time_eq(token.as_bytes(), state.csrf.as_bytes())
        || of_session.is_some_and(|t| constant_time_eq(token.as_bytes(), t.as_bytes()));
    if !good {
        return Err(ApiError::forbidden(
            "csrf",
            "missing or wrong X-Axial-CSRF header; reload the page to get a fresh token (GET /api/v1/session)",
        ));
    }
    Ok(())
}

/// The CSRF token of a signed-in browser, derived from its session token:
/// every server process on the same database computes the same one, so a
/// browser keeps working when another process (or a restarted one) answers.
/// A page on another site can read neither the cookie nor this token.
pub(crate) fn session_csrf(session_token: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("axial-csrf\0{session_token}").as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `localhost`, `*.localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inside, _)) => return inside == "::1",
            None => return false,
        }
    } else {
        host.rsplit_once(':').map(|(n, _)| n).unwrap_or(host)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn with_headers(mut resp: Response, no_cache: bool) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if no_cache {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for ok in [
            "localhost",
            "localhost:7878",
            "127.0.0.1:80",
            "127.0.0.2",
            "[::1]:7878",
            "app.localhost:1",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:7878",
            "10.0.0.1",
            "[::2]:1",
            "localhost.evil.example",
            "[::1",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 64);
    }
}
