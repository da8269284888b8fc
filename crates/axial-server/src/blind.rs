//! Blind coding over HTTP, in one place: a read request with `blind=true`
//! in its query string is answered by the same routes, but with the app's
//! blind view for the acting user ([`axial_app::App::blind_to_others`]), so
//! every read route — code tree counts, source list, layouts, segments,
//! comparison, search, memos, analysis, history — hides the other coders'
//! codings without per-route code.
//!
//! Reads are GET and HEAD requests, plus the POSTs listed in
//! [`READ_ONLY_POSTS`] (reads whose parameters do not fit a URL). Any other
//! request ignores the flag: a use case that changes data must see all of
//! it (a merge that did not see the others' codings could not move them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axial_core::UserId;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

use crate::AppState;

/// POST routes (by path suffix) that only read.
const READ_ONLY_POSTS: &[&str] = &["/analysis/segments"];

/// The routes once more, to be served with a blind app per coder.
#[derive(Clone)]
pub(crate) struct Blind {
    routes: Router<AppState>,
    state: AppState,
    /// One router per coder, made on first use.
    per_coder: Arc<Mutex<HashMap<UserId, Router>>>,
}

impl Blind {
    pub(crate) fn new(routes: Router<AppState>, state: AppState) -> Blind {
        Blind {
            routes,
            state,
            per_coder: Arc::default(),
        }
    }

    fn router_for(&self, coder: UserId) -> Router {
        let mut map = self
            .per_coder
            .lock()
            .expect("blind router map is never poisoned: nothing panics while it is held");
        map.entry(coder)
            .or_insert_with(|| {
                let state = AppState {
                    app: self.state.app.blind_to_others(coder),
                    ..self.state.clone()
                };
                self.routes.clone().with_state(state)
            })
            .clone()
    }
}

/// Whether the request asks for blind coding and may have it.
fn wants_blind(req: &Request) -> bool {
    let read = match *req.method() {
        Method::GET | Method::HEAD => true,
        Method::POST => READ_ONLY_POSTS
            .iter()
            .any(|p| req.uri().path().ends_with(p)),
        _ => false,
    };
    read && req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair == "blind=true"))
}

/// Middleware: sends blind reads to the blind routes of the acting user.
pub(crate) async fn dispatch(State(blind): State<Blind>, req: Request, next: Next) -> Response {
    if !wants_blind(&req) {
        return next.run(req).await;
    }
    let actor = match blind.state.actor().await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    match blind.router_for(actor.id()).oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn check(method: Method, uri: &str, expect: bool) {
        let req = Request::builder()
            .method(method.clone())
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        assert_eq!(wants_blind(&req), expect, "{method} {uri}");
    }

    #[test]
    fn only_reads_with_the_flag_are_blind() {
        check(Method::GET, "/projects/x/codes?blind=true", true);
        check(Method::GET, "/projects/x/codes?context=3&blind=true", true);
        check(Method::GET, "/projects/x/codes?blind=1", false);
        check(Method::HEAD, "/projects/x/codes?blind=true", true);
        check(Method::GET, "/projects/x/codes", false);
        check(Method::GET, "/projects/x/codes?blind=false", false);
        check(Method::GET, "/projects/x/codes?notblind=true", false);
        check(
            Method::POST,
            "/projects/x/analysis/segments?blind=true",
            true,
        );
        check(Method::POST, "/projects/x/codes/y/merge?blind=true", false);
        check(Method::DELETE, "/projects/x/codings/y?blind=true", false);
        check(Method::PATCH, "/projects/x/memos/y?blind=true", false);
    }
}
