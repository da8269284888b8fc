//! The JSON API under `/api/v1`: one module per resource, each with its
//! `router()` of handlers annotated for OpenAPI, so the document served at
//! `/api/v1/openapi.json` is generated from the same code that routes and
//! cannot drift. Shared extractors live here; resource logic does not.

use axial_core::{Code, CodeId, Project, ProjectId, Source, SourceId};
use axum::extract::{FromRequest, FromRequestParts};
use axum::routing::get;
use axum::Router;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{ApiError, AppState};

mod analysis;
mod audit;
mod auth;
mod cases;
mod codes;
mod codings;
mod events;
mod exchange;
mod history;
mod members;
mod memos;
mod participants;
mod projects;
mod properties;
mod pseudonymise;
mod quotes;
mod relations;
mod search;
mod sources;

/// JSON body extractor whose rejections are [`ApiError`]s.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// Query-string extractor whose rejections are [`ApiError`]s.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct Query<T>(pub T);

/// Path extractor whose rejections are [`ApiError`]s.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct Path<T>(pub T);

pub(crate) type ApiResult<T> = Result<Json<T>, ApiError>;

/// All resource routers with their OpenAPI paths, before the state is given.
fn parts() -> (Router<AppState>, OpenApi) {
    let mut doc = OpenApi::default();
    doc.info.title = "Axial API".into();
    doc.info.version = "1".into();
    doc.info.description = Some(
        "The HTTP API of Axial, a qualitative research workbench. Positions sent by browsers are UTF-16 code units \
         (`*_utf16` fields); Axial stores code points. State-changing requests need the `X-Axial-CSRF` header with the \
         token from `GET /session`. Errors have the shape `{\"error\": {\"code\", \"message\", \"fields\"?}}`. \
         Blind coding: every read (GET, and `POST …/analysis/segments`) accepts `blind=true` in the query string and then \
         answers as if only the acting user's codings existed: other coders' codings, their counts, memo links to them, \
         placements of them and log entries about them are left out. Changes ignore the flag."
            .into(),
    );
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    OpenApiRouter::with_openapi(doc)
        .merge(auth::router())
        .merge(projects::router())
        .merge(members::router())
        .merge(sources::router())
        .merge(cases::router())
        .merge(codes::router())
        .merge(codings::router())
        .merge(memos::router())
        .merge(search::router())
        .merge(history::router())
        .merge(audit::router())
        .merge(exchange::router())
        .merge(analysis::router())
        .merge(relations::router())
        .merge(participants::router())
        .merge(quotes::router())
        .merge(properties::router())
        .merge(pseudonymise::router())
        .merge(events::router())
        .split_for_parts()
}

/// The OpenAPI document.
pub fn openapi() -> OpenApi {
    parts().1
}

/// The API router with its state, plus `GET /openapi.json`.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = parts();
    let json = doc.to_pretty_json().unwrap_or_else(|e| {
        format!("{{\"error\": {{\"code\": \"internal\", \"message\": \"{e}\"}}}}")
    });
    let fallback = || async { ApiError::not_found("no such API route; see /api/v1/openapi.json") };
    let routes = routes
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        json,
                    )
                }
            }),
        )
        .fallback(fallback);
    // Blind reads are answered by the same routes with a blind app; the
    // switch sits in front of routing, so each router matches afresh.
    let blind = crate::blind::Blind::new(routes.clone(), state.clone());
    Router::new()
        .fallback_service(routes.with_state(state))
        .layer(axum::middleware::from_fn_with_state(
            blind,
            crate::blind::dispatch,
        ))
}

/// The project with this id.
pub(crate) async fn project(state: &AppState, id: ProjectId) -> Result<Project, ApiError> {
    Ok(state.app.project(id).await?)
}

/// The source with this id, which must belong to the project.
pub(crate) async fn source_in(
    state: &AppState,
    project: &Project,
    id: SourceId,
) -> Result<Source, ApiError> {
    let s = state
        .app
        .store()
        .source(id)
        .await
        .map_err(axial_app::AppError::from)?;
    if s.project != project.id {
        return Err(ApiError::not_found(format!(
            "no source with id {id} in project '{}'",
            project.name
        )));
    }
    Ok(s)
}

/// The code with this id in the project.
pub(crate) async fn code_in(
    state: &AppState,
    project: &Project,
    id: CodeId,
) -> Result<Code, ApiError> {
    state
        .app
        .codes(project)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no code with id {id} in project '{}'",
                project.name
            ))
        })
}

/// RFC 3339 text of a timestamp.
pub(crate) fn rfc3339(t: axial_core::Timestamp) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
