//! `/projects/{project}/history`, `/undo` and `/redo`: the change log as a
//! history panel, and reverting the local user's last change (or undo).
//! Undo follows the app's rule: only your own changes, newest first, and a
//! change later work depends on is refused with a conflict.

use axial_core::ProjectId;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{rfc3339, ApiResult, Json, Path, Query};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(history))
        .routes(routes!(undo))
        .routes(routes!(redo))
}

#[derive(Deserialize, IntoParams)]
struct HistoryParams {
    /// Most entries (default 100, at most 1000).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
struct HistoryEntryDto {
    seq: i64,
    at: String,
    author: String,
    action: String,
    summary: String,
    ops: usize,
    /// The change that reverted this one, if any.
    reverted_by: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct RevertDto {
    seq: i64,
    at: String,
    summary: String,
}

#[utoipa::path(get, path = "/projects/{project}/history", tag = "history",
    params(("project" = String, Path, description = "project id"), HistoryParams),
    responses((status = 200, body = [HistoryEntryDto], description = "newest first")))]
async fn history(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<HistoryParams>,
) -> ApiResult<Vec<HistoryEntryDto>> {
    let p = super::project(&s, project).await?;
    let entries = s
        .app
        .history(&p, None, q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| HistoryEntryDto {
                seq: e.seq,
                at: e.at,
                author: e.author,
                action: e.action,
                summary: e.summary,
                ops: e.ops,
                reverted_by: e.reverted_by,
            })
            .collect(),
    ))
}

fn revert_dto(c: axial_core::Change) -> RevertDto {
    RevertDto {
        seq: c.seq.0,
        at: rfc3339(c.at),
        summary: c.summary,
    }
}

#[utoipa::path(post, path = "/projects/{project}/undo", tag = "history",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = RevertDto), (status = 409, body = crate::error::ErrorBody, description = "nothing to undo, or later changes depend on it")))]
async fn undo(State(s): State<AppState>, Path(project): Path<ProjectId>) -> ApiResult<RevertDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    Ok(Json(revert_dto(s.app.undo(&actor, &p).await?)))
}

#[utoipa::path(post, path = "/projects/{project}/redo", tag = "history",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = RevertDto), (status = 409, body = crate::error::ErrorBody, description = "nothing to redo")))]
async fn redo(State(s): State<AppState>, Path(project): Path<ProjectId>) -> ApiResult<RevertDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    Ok(Json(revert_dto(s.app.redo(&actor, &p).await?)))
}
