//! `/projects/{project}/search`: plain or regular-expression search across
//! all sources, hits with context and positions (code points, plus the line)
//! so the client can list them, jump to them, or code the selected ones
//! through `POST /codings/batch`.

use axial_app::SearchQuery;
use axial_core::ProjectId;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path, Query};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Deserialize, IntoParams)]
struct SearchParams {
    /// The text or regular expression to find.
    q: String,
    /// Treat `q` as a regular expression.
    #[serde(default)]
    regex: bool,
    #[serde(default)]
    ignore_case: bool,
    /// Characters of context on each side (default 60, at most 500).
    context: Option<u32>,
    /// Most hits returned (default 500, at most 5000).
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
struct HitDto {
    source: String,
    source_id: String,
    /// Code points `[start, end)` in the source.
    start: u32,
    end: u32,
    /// Line of the hit, counted from 1.
    line: usize,
    text: String,
    before: String,
    after: String,
}

#[derive(Serialize, ToSchema)]
struct SearchResultDto {
    hits: Vec<HitDto>,
    /// True when the limit cut the list short.
    truncated: bool,
}

#[utoipa::path(get, path = "/projects/{project}/search", tag = "search",
    params(("project" = String, Path, description = "project id"), SearchParams),
    responses((status = 200, body = SearchResultDto), (status = 422, body = crate::error::ErrorBody, description = "empty pattern or invalid regular expression")))]
async fn search(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<SearchParams>,
) -> ApiResult<SearchResultDto> {
    let p = super::project(&s, project).await?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let query = SearchQuery {
        pattern: q.q,
        regex: q.regex,
        ignore_case: q.ignore_case,
        context: q.context.unwrap_or(60).min(500),
        limit: limit + 1,
        sources: vec![],
    };
    let mut hits = s.app.search(&p, &query).await?;
    let truncated = hits.len() > limit;
    hits.truncate(limit);
    Ok(Json(SearchResultDto {
        hits: hits
            .into_iter()
            .map(|h| HitDto {
                source: h.source,
                source_id: h.source_id.to_string(),
                start: h.start,
                end: h.end,
                line: h.line,
                text: h.text,
                before: h.before,
                after: h.after,
            })
            .collect(),
        truncated,
    }))
}
