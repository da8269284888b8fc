//! `/projects/{project}/members`: who is in a project with which role.
//! Reading is open to every member; adding, changing and removing members
//! is for owners (enforced by `crate::auth` before these handlers run).

use axial_core::{ProjectId, User, UserId};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(put, remove))
}

#[derive(Serialize, ToSchema)]
struct MemberDto {
    user_id: String,
    name: String,
    display_name: String,
    /// `owner`, `coder` or `viewer`.
    role: String,
}

#[derive(Deserialize, ToSchema)]
struct RoleDto {
    /// `owner`, `coder` or `viewer`.
    role: String,
}

fn dto(m: axial_app::MemberView) -> MemberDto {
    MemberDto {
        user_id: m.user.to_string(),
        name: m.name,
        display_name: m.display_name,
        role: m.role.to_string(),
    }
}

/// A user by id, else by name.
async fn user(s: &AppState, key: &str) -> Result<User, ApiError> {
    if let Ok(id) = key.parse::<UserId>() {
        if let Some(u) = s
            .app
            .store()
            .users()
            .await
            .map_err(axial_app::AppError::from)?
            .into_iter()
            .find(|u| u.id == id)
        {
            return Ok(u);
        }
        return Err(ApiError::not_found(format!("no user with id {id}")));
    }
    Ok(s.app.find_user(key).await?)
}

/// The members of the project, owners first.
#[utoipa::path(get, path = "/projects/{project}/members", tag = "members",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = [MemberDto])))]
async fn list(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<MemberDto>> {
    let p = super::project(&s, project).await?;
    Ok(Json(
        s.app.members(&p).await?.into_iter().map(dto).collect(),
    ))
}

/// Adds a user (by id or name) to the project or changes their role.
#[utoipa::path(put, path = "/projects/{project}/members/{user}", tag = "members",
    params(("project" = String, Path, description = "project id"), ("user" = String, Path, description = "user id or name")),
    request_body = RoleDto,
    responses((status = 200, body = MemberDto), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "unknown role, or demoting the last owner")))]
async fn put(
    State(s): State<AppState>,
    Path((project, key)): Path<(ProjectId, String)>,
    Json(b): Json<RoleDto>,
) -> ApiResult<MemberDto> {
    let p = super::project(&s, project).await?;
    let role: axial_app::MemberRole = b
        .role
        .parse()
        .map_err(|e: axial_app::AppError| ApiError::invalid("role", e.to_string()))?;
    let u = user(&s, &key).await?;
    let actor = s.actor().await?;
    Ok(Json(dto(s.app.set_member(&actor, &p, &u, role).await?)))
}

/// Removes a user from the project (not the last owner).
#[utoipa::path(delete, path = "/projects/{project}/members/{user}", tag = "members",
    params(("project" = String, Path, description = "project id"), ("user" = String, Path, description = "user id or name")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "the last owner")))]
async fn remove(
    State(s): State<AppState>,
    Path((project, key)): Path<(ProjectId, String)>,
) -> Result<StatusCode, ApiError> {
    let p = super::project(&s, project).await?;
    let u = user(&s, &key).await?;
    let actor = s.actor().await?;
    s.app.remove_member(&actor, &p, &u).await?;
    Ok(StatusCode::NO_CONTENT)
}
