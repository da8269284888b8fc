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
//! as the CLI does) and binds to loopback addresses only.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axial_app::{Actor, App};
use tokio::sync::OnceCell;

mod api;
pub mod bench;
mod error;
mod security;
mod ui;

pub use error::ApiError;

/// How the server runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerConfig {
    /// Allow binding addresses other than loopback. Stays false until
    /// accounts exist: without them anyone who can reach the port could
    /// read and change every project.
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
}

impl AppState {
    fn new(app: App, cfg: ServerConfig) -> AppState {
        AppState {
            app,
            cfg,
            csrf: Arc::from(security::new_token()),
            actor: Arc::new(OnceCell::new()),
        }
    }

    /// The local user every change is recorded under.
    pub async fn actor(&self) -> Result<Actor, ApiError> {
        let actor = self
            .actor
            .get_or_try_init(|| async { self.app.local_user(&local_user_name()).await })
            .await?;
        Ok(actor.clone())
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
    security::wrap(axum::Router::new().nest("/api/v1", api).merge(ui), state)
}

/// The OpenAPI 3 document of the API (what `/api/v1/openapi.json` serves).
pub fn openapi_json() -> String {
    api::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Serves until `shutdown` resolves. The caller binds the listener (tests
/// bind 127.0.0.1:0); a non-loopback listener is refused unless allowed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    cfg: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    check_bind_address(&addr, &cfg)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::PermissionDenied, e))?;
    axum::serve(listener, router(app, cfg))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Refuses non-loopback addresses unless the configuration allows them.
pub fn check_bind_address(addr: &SocketAddr, cfg: &ServerConfig) -> Result<(), String> {
    if addr.ip().is_loopback() || cfg.allow_non_loopback {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {addr}: Axial has no user accounts yet, so anyone who can reach that address could read and change \
         every project; listen on a loopback address such as 127.0.0.1:7878 and use an SSH tunnel to reach it from elsewhere"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(addr: &str, allow: bool, ok: bool) {
        let a: SocketAddr = addr.parse().expect("test addresses parse");
        let got = check_bind_address(
            &a,
            &ServerConfig {
                allow_non_loopback: allow,
            },
        );
        assert_eq!(got.is_ok(), ok, "{addr} allow={allow}: {got:?}");
        if let Err(e) = got {
            assert!(e.contains("no user accounts"), "{e}");
        }
    }

    #[test]
    fn binds_loopback_only_by_default() {
        check("127.0.0.1:7878", false, true);
        check("[::1]:7878", false, true);
        check("0.0.0.0:7878", false, false);
        check("192.168.1.20:80", false, false);
        check("0.0.0.0:7878", true, true);
    }
}
