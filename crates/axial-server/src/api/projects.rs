//! `/projects` (list, create, one project with its counts). The list holds
//! only the caller's projects when accounts exist.

use axial_core::ProjectId;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{rfc3339, ApiResult, Json, Path};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ProjectDto {
    id: String,
    name: String,
    description: String,
    created_at: String,
    counts: CountsDto,
}

#[derive(Serialize, ToSchema)]
struct CountsDto {
    sources: u64,
    cases: u64,
    codes: u64,
    codings: u64,
    memos: u64,
    characters: u64,
}

#[derive(Deserialize, ToSchema)]
struct NewProjectDto {
    name: String,
    #[serde(default)]
    description: String,
}

async fn dto(s: &AppState, p: axial_core::Project) -> Result<ProjectDto, ApiError> {
    let c = s.app.counts(&p).await?;
    Ok(ProjectDto {
        id: p.id.to_string(),
        name: p.name,
        description: p.description,
        created_at: rfc3339(p.created_at),
        counts: CountsDto {
            sources: c.sources,
            cases: c.cases,
            codes: c.codes,
            codings: c.codings,
            memos: c.memos,
            characters: c.characters,
        },
    })
}

#[utoipa::path(get, path = "/projects", tag = "projects", responses((status = 200, body = [ProjectDto])))]
async fn list(State(s): State<AppState>) -> ApiResult<Vec<ProjectDto>> {
    let mut out = Vec::new();
    for p in s.projects().await? {
        out.push(dto(&s, p).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/projects", tag = "projects", request_body = NewProjectDto,
    responses((status = 201, body = ProjectDto), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    Json(body): Json<NewProjectDto>,
) -> Result<(StatusCode, Json<ProjectDto>), ApiError> {
    let actor = s.actor().await?;
    let p = s
        .app
        .create_project(&actor, &body.name, &body.description)
        .await?;
    Ok((StatusCode::CREATED, Json(dto(&s, p).await?)))
}

#[utoipa::path(get, path = "/projects/{project}", tag = "projects",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = ProjectDto), (status = 404, body = crate::error::ErrorBody)))]
async fn one(State(s): State<AppState>, Path(project): Path<ProjectId>) -> ApiResult<ProjectDto> {
    let p = super::project(&s, project).await?;
    Ok(Json(dto(&s, p).await?))
}
