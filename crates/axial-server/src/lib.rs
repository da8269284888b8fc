//! Axial's HTTP server: the JSON API under `/api/v1` and the browser
//! workspace embedded in the binary.
//!
//! The server is thin: each handler extracts the request, calls one use case
//! of [`axial_app::App`], and maps the result to a response DTO private to
//! this crate. It owns the HTTP concerns — routing, the one [`ApiError`]
//! shape, CSRF protection, security headers, body size limits, the OpenAPI
//! document generated from the handlers — and nothing else: no SQL, no
//! concrete storage backend, no use-case logic.
//!
//! Until accounts exist the server acts as one local user (the login name,
//! as the CLI does) and binds to loopback addresses only. Once an account
//! exists, every API route but the session probe and signing in needs a
//! session, and `auth.rs` checks the caller's role in the project before any
//! handler runs. TLS is left to a reverse proxy in front of the server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axial_app::{Actor, App};
use axial_core::Project;
use tokio::sync::OnceCell;

mod api;
mod auth;
pub mod bench;
mod blind;
mod error;
mod security;
mod ui;

pub use error::ApiError;

/// How the server runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerConfig {
    /// Answer `Host` names other than loopback ones even while no account
    /// exists (for embedding behind something that authenticates). Off by
    /// default and never set by `axial serve`: without accounts a
    /// non-loopback name means a DNS-rebinding page or an exposed port.
    /// With accounts, any `Host` is answered.
    pub allow_non_loopback: bool,
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub app: App,
    pub cfg: ServerConfig,
    /// The per-process CSRF token the UI sends back in `X-Axial-CSRF`.
    pub csrf: Arc<str>,
    actor: Arc<OnceCell<Actor>>,
    /// Set once an account has been seen (accounts are never deleted).
    accounts_seen: Arc<AtomicBool>,
    pub logins: Arc<auth::LoginLimiter>,
}

impl AppState {
    fn new(app: App, cfg: ServerConfig) -> AppState {
        AppState {
            app,
            cfg,
            csrf: Arc::from(security::new_token()),
            actor: Arc::new(OnceCell::new()),
            accounts_seen: Arc::new(AtomicBool::new(false)),
            logins: Arc::new(auth::LoginLimiter::default()),
        }
    }

    /// Who acts in this request: the signed-in user, or without accounts
    /// the local user. Outside a request (no caller in scope) or without a
    /// session while accounts exist: 401.
    pub async fn actor(&self) -> Result<Actor, ApiError> {
        match auth::caller() {
            Some(auth::Caller::Signed { who, .. }) => Ok(who.actor),
            Some(auth::Caller::Local) => {
                let actor = self
                    .actor
                    .get_or_try_init(|| async { self.app.local_user(&local_user_name()).await })
                    .await?;
                Ok(actor.clone())
            }
            Some(auth::Caller::Anonymous) | None => Err(auth::unauthorized()),
        }
    }

    /// Whether any account exists (then signing in is required).
    pub async fn accounts_on(&self) -> Result<bool, ApiError> {
        if self.accounts_seen.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let on = self.app.accounts_on().await?;
        if on {
            self.accounts_seen.store(true, Ordering::Relaxed);
        }
        Ok(on)
    }

    /// The projects the caller may see: all of them without accounts, else
    /// those they are a member of.
    pub async fn projects(&self) -> Result<Vec<Project>, ApiError> {
        match auth::caller() {
            Some(auth::Caller::Signed { who, .. }) => {
                Ok(self.app.member_projects(who.actor.id()).await?)
            }
            Some(auth::Caller::Local) => Ok(self.app.projects().await?),
            Some(auth::Caller::Anonymous) | None => Err(auth::unauthorized()),
        }
    }
}

/// The login name, as the CLI picks it: `$USER`, `$USERNAME`, else "local".
fn local_user_name() -> String {
    std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "local".into())
}

/// The whole server: API, OpenAPI document, UI, and the security layers.
pub fn router(app: App, cfg: ServerConfig) -> axum::Router {
    let state = AppState::new(app, cfg);
    let api = api::router(state.clone());
    let ui = ui::router();
    let routes = axum::Router::new().nest("/api/v1", api).merge(ui).layer(
        axum::middleware::from_fn_with_state(state.clone(), auth::layer),
    );
    security::wrap(routes, state)
}

/// The OpenAPI 3 document of the API (what `/api/v1/openapi.json` serves).
pub fn openapi_json() -> String {
    api::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Serves until `shutdown` resolves. The caller binds the listener (tests
/// bind 127.0.0.1:0); a non-loopback listener is refused unless accounts
/// exist.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    cfg: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let accounts = app
        .accounts_on()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    check_bind_address(&addr, accounts)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::PermissionDenied, e))?;
    axum::serve(
        listener,
        router(app, cfg).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Refuses non-loopback addresses until user accounts exist: without them
/// anyone who can reach the port could read and change every project.
pub fn check_bind_address(addr: &SocketAddr, accounts_exist: bool) -> Result<(), String> {
    if addr.ip().is_loopback() || accounts_exist {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {addr}: this database has no user accounts yet, so anyone who can reach that address could \
         read and change every project; create an administrator first (`axial user add NAME --admin --password-stdin`), \
         or listen on a loopback address such as 127.0.0.1:7878 and use an SSH tunnel to reach it from elsewhere"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(addr: &str, accounts: bool, ok: bool) {
        let a: SocketAddr = addr.parse().expect("test addresses parse");
        let got = check_bind_address(&a, accounts);
        assert_eq!(got.is_ok(), ok, "{addr} accounts={accounts}: {got:?}");
        if let Err(e) = got {
            assert!(e.contains("no user accounts"), "{e}");
            assert!(e.contains("axial user add"), "{e}");
        }
    }

    #[test]
    fn binds_loopback_only_until_accounts_exist() {
        check("127.0.0.1:7878", false, true);
        check("[::1]:7878", false, true);
        check("0.0.0.0:7878", false, false);
        check("192.168.1.20:80", false, false);
        check("0.0.0.0:7878", true, true);
        check("192.168.1.20:80", true, true);
    }
}
