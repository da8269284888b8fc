//! `/projects/{project}/cases`, `/variables` and `/sets`: the units of
//! analysis, their attributes, and named groups — what the sources list
//! filters by and constant comparison groups by.

use std::collections::BTreeMap;

use axial_core::{ProjectId, SetMember, VariableKind};
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
        .routes(routes!(cases, create_case))
        .routes(routes!(variables))
        .routes(routes!(sets))
}

#[derive(Serialize, ToSchema)]
struct CaseDto {
    id: String,
    name: String,
    description: String,
    sources: Vec<String>,
    attributes: BTreeMap<String, String>,
}

#[derive(Deserialize, ToSchema)]
struct NewCaseDto {
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Serialize, ToSchema)]
struct VariableDto {
    id: String,
    name: String,
    /// text, integer, decimal, date, boolean or category.
    kind: String,
    /// The allowed values of a category.
    values: Vec<String>,
    description: String,
}

#[derive(Serialize, ToSchema)]
struct SetDto {
    id: String,
    name: String,
    description: String,
    sources: Vec<String>,
    cases: Vec<String>,
    codes: Vec<String>,
    memos: Vec<String>,
}

#[utoipa::path(get, path = "/projects/{project}/cases", tag = "cases",
    params(("project" = String, Path, description = "project id")), responses((status = 200, body = [CaseDto])))]
async fn cases(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<CaseDto>> {
    let p = super::project(&s, project).await?;
    let cases = s.app.cases(&p).await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|c| CaseDto {
                id: c.id.to_string(),
                name: c.name,
                description: c.description,
                sources: c.sources,
                attributes: c.attributes,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/projects/{project}/cases", tag = "cases", request_body = NewCaseDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = CaseDto), (status = 409, body = crate::error::ErrorBody)))]
async fn create_case(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<NewCaseDto>,
) -> Result<(StatusCode, Json<CaseDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let c = s
        .app
        .create_case(&actor, &p, &body.name, &body.description)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CaseDto {
            id: c.id.to_string(),
            name: c.name,
            description: c.description,
            sources: vec![],
            attributes: BTreeMap::new(),
        }),
    ))
}

#[utoipa::path(get, path = "/projects/{project}/variables", tag = "cases",
    params(("project" = String, Path, description = "project id")), responses((status = 200, body = [VariableDto])))]
async fn variables(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<VariableDto>> {
    let p = super::project(&s, project).await?;
    Ok(Json(
        s.app
            .variables(&p)
            .await?
            .into_iter()
            .map(|v| VariableDto {
                id: v.id.to_string(),
                kind: v.kind.name().into(),
                values: match v.kind {
                    VariableKind::Category { values } => values,
                    _ => vec![],
                },
                name: v.name,
                description: v.description,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/projects/{project}/sets", tag = "cases",
    params(("project" = String, Path, description = "project id")), responses((status = 200, body = [SetDto])))]
async fn sets(State(s): State<AppState>, Path(project): Path<ProjectId>) -> ApiResult<Vec<SetDto>> {
    let p = super::project(&s, project).await?;
    Ok(Json(
        s.app
            .sets(&p)
            .await?
            .into_iter()
            .map(|set| {
                let pick = |f: fn(&SetMember) -> Option<String>| {
                    set.members.iter().filter_map(f).collect::<Vec<_>>()
                };
                SetDto {
                    id: set.id.to_string(),
                    sources: pick(|m| {
                        if let SetMember::Source(x) = m {
                            Some(x.to_string())
                        } else {
                            None
                        }
                    }),
                    cases: pick(|m| {
                        if let SetMember::Case(x) = m {
                            Some(x.to_string())
                        } else {
                            None
                        }
                    }),
                    codes: pick(|m| {
                        if let SetMember::Code(x) = m {
                            Some(x.to_string())
                        } else {
                            None
                        }
                    }),
                    memos: pick(|m| {
                        if let SetMember::Memo(x) = m {
                            Some(x.to_string())
                        } else {
                            None
                        }
                    }),
                    name: set.name,
                    description: set.description,
                }
            })
            .collect(),
    ))
}
