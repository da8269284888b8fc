//! `/projects/{project}/relations`: typed relations between codes (list,
//! create, delete) and the relation network as GraphML or SVG. The rules
//! (no self-relations, no duplicates, `other` needs a label) are the app's;
//! this module only maps requests and results.

use axial_core::{CodeId, ProjectId, RelationId, RelationKind};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(delete))
        .routes(routes!(graphml))
        .routes(routes!(svg))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RelationDto {
    id: String,
    from: String,
    /// The source code's path in the tree ("Category/Code").
    from_name: String,
    to: String,
    to_name: String,
    /// causal_condition, context, intervening_condition, strategy, consequence or other.
    kind: String,
    label: String,
    created_at: String,
}

fn relation_dto(r: axial_app::RelationView) -> RelationDto {
    RelationDto {
        id: r.id.to_string(),
        from: r.from.to_string(),
        from_name: r.from_name,
        to: r.to.to_string(),
        to_name: r.to_name,
        kind: r.kind.as_str().to_string(),
        label: r.label,
        created_at: r.created_at,
    }
}

#[derive(Deserialize, ToSchema)]
struct NewRelationDto {
    /// Id of the code the relation starts from.
    from: String,
    /// Id of the code it points to.
    to: String,
    /// causal_condition, context, intervening_condition, strategy, consequence or other.
    kind: String,
    /// Required when kind is other.
    #[serde(default)]
    label: String,
}

#[derive(Serialize, ToSchema)]
struct DeletedDto {
    deleted: bool,
}

#[utoipa::path(get, path = "/projects/{project}/relations", tag = "relations",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = [RelationDto], description = "ordered by source code, kind and target code")))]
async fn list(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<RelationDto>> {
    let p = super::project(&s, project).await?;
    Ok(Json(
        s.app
            .relations(&p)
            .await?
            .into_iter()
            .map(relation_dto)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/projects/{project}/relations", tag = "relations", request_body = NewRelationDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = RelationDto), (status = 422, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "the same relation exists")))]
async fn create(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<NewRelationDto>,
) -> Result<(StatusCode, Json<RelationDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let kind: RelationKind = body
        .kind
        .trim()
        .parse()
        .map_err(|e: String| ApiError::invalid("kind", e))?;
    let code_id = |field: &str, v: &str| {
        v.trim()
            .parse::<CodeId>()
            .map_err(|e| ApiError::invalid(field, e.to_string()))
    };
    let from = super::code_in(&s, &p, code_id("from", &body.from)?).await?;
    let to = super::code_in(&s, &p, code_id("to", &body.to)?).await?;
    let r = s
        .app
        .create_relation(&actor, &p, &from, &to, kind, &body.label)
        .await?;
    let view = s
        .app
        .relations(&p)
        .await?
        .into_iter()
        .find(|v| v.id == r.id)
        .ok_or_else(|| ApiError::internal("a new relation was not found after saving"))?;
    Ok((StatusCode::CREATED, Json(relation_dto(view))))
}

#[utoipa::path(delete, path = "/projects/{project}/relations/{relation}", tag = "relations",
    params(("project" = String, Path, description = "project id"), ("relation" = String, Path, description = "relation id")),
    responses((status = 200, body = DeletedDto), (status = 404, body = crate::error::ErrorBody)))]
async fn delete(
    State(s): State<AppState>,
    Path((project, relation)): Path<(ProjectId, RelationId)>,
) -> ApiResult<DeletedDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    s.app.delete_relation(&actor, &p, relation).await?;
    Ok(Json(DeletedDto { deleted: true }))
}

fn typed(body: String, content_type: &'static str, filename: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(filename),
    );
    r
}

/// The relation network as GraphML (nodes: related codes; edges: relations).
#[utoipa::path(get, path = "/projects/{project}/relations.graphml", tag = "relations",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, content_type = "application/graphml+xml", body = String)))]
async fn graphml(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    Ok(typed(
        s.app.relations_graphml(&p).await?,
        "application/graphml+xml; charset=utf-8",
        "inline; filename=\"relations.graphml\"",
    ))
}

/// The relation network as an SVG diagram.
#[utoipa::path(get, path = "/projects/{project}/relations.svg", tag = "relations",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, content_type = "image/svg+xml", body = String)))]
async fn svg(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    Ok(typed(
        s.app.relations_svg(&p).await?,
        "image/svg+xml; charset=utf-8",
        "inline; filename=\"relations.svg\"",
    ))
}
