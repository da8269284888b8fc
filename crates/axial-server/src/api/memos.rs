//! `/projects/{project}/memos`: write, list (filtered by type and by what a
//! memo is linked to), read, edit (refused when someone saved in between)
//! and delete memos. Bodies are markdown, returned as written: rendering,
//! and escaping, is the client's job.

use axial_core::{
    CaseId, CodeId, CodingId, Memo, MemoId, MemoKind, MemoLink, ProjectId, SourceId, Version,
};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{rfc3339, ApiResult, Json, Path, Query};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update, delete))
}

/// What a memo is about: `{"type": "project"}` or `{"type": "code", "id": …}`
/// (types: project, source, case, code, coding).
#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub(crate) struct LinkDto {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct MemoDto {
    id: String,
    title: String,
    /// Markdown, as written.
    body: String,
    /// code, theoretical, method or document.
    kind: String,
    links: Vec<LinkDto>,
    created_at: String,
    updated_at: String,
    /// Send back when editing, so a concurrent edit is detected.
    version: u64,
}

pub(crate) fn link_dto(l: &MemoLink) -> LinkDto {
    let (kind, id) = match l {
        MemoLink::Project => ("project", None),
        MemoLink::Source(x) => ("source", Some(x.to_string())),
        MemoLink::Case(x) => ("case", Some(x.to_string())),
        MemoLink::Code(x) => ("code", Some(x.to_string())),
        MemoLink::Coding(x) => ("coding", Some(x.to_string())),
    };
    LinkDto {
        kind: kind.into(),
        id,
    }
}

pub(crate) fn memo_dto(m: Memo) -> MemoDto {
    MemoDto {
        id: m.id.to_string(),
        links: m.links.iter().map(link_dto).collect(),
        title: m.title,
        body: m.body,
        kind: m.kind.to_string(),
        created_at: rfc3339(m.created_at),
        updated_at: rfc3339(m.updated_at),
        version: m.version.0,
    }
}

fn parse_link(l: &LinkDto) -> Result<MemoLink, ApiError> {
    let id = || {
        l.id.as_deref()
            .ok_or_else(|| ApiError::invalid("links", format!("a '{}' link needs an id", l.kind)))
    };
    let bad = |e: axial_core::IdError| ApiError::invalid("links", e.to_string());
    Ok(match l.kind.as_str() {
        "project" => MemoLink::Project,
        "source" => MemoLink::Source(id()?.parse::<SourceId>().map_err(bad)?),
        "case" => MemoLink::Case(id()?.parse::<CaseId>().map_err(bad)?),
        "code" => MemoLink::Code(id()?.parse::<CodeId>().map_err(bad)?),
        "coding" => MemoLink::Coding(id()?.parse::<CodingId>().map_err(bad)?),
        other => {
            return Err(ApiError::invalid(
                "links",
                format!("unknown link type '{other}'; use project, source, case, code or coding"),
            ))
        }
    })
}

fn parse_kind(s: &str) -> Result<MemoKind, ApiError> {
    s.parse().map_err(|e: String| ApiError::invalid("kind", e))
}

#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// Memo type: code, theoretical, method or document.
    kind: Option<String>,
    /// Only memos linked to this kind of thing (project, source, case, code, coding)…
    link_type: Option<String>,
    /// …and, if given, to this one.
    link_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
struct NewMemoDto {
    title: String,
    #[serde(default)]
    body: String,
    /// code, theoretical, method or document (default theoretical).
    kind: Option<String>,
    #[serde(default)]
    links: Vec<LinkDto>,
}

#[derive(Deserialize, ToSchema)]
struct MemoChangesDto {
    /// The version the editor started from.
    version: u64,
    title: Option<String>,
    body: Option<String>,
    kind: Option<String>,
    links: Option<Vec<LinkDto>>,
}

#[utoipa::path(get, path = "/projects/{project}/memos", tag = "memos",
    params(("project" = String, Path, description = "project id"), ListQuery),
    responses((status = 200, body = [MemoDto], description = "oldest first")))]
async fn list(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Vec<MemoDto>> {
    let p = super::project(&s, project).await?;
    let kind = q
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(parse_kind)
        .transpose()?;
    let memos = s.app.memos(&p).await?;
    Ok(Json(
        memos
            .into_iter()
            .filter(|m| kind.is_none_or(|k| m.kind == k))
            .filter(|m| match q.link_type.as_deref().filter(|t| !t.is_empty()) {
                None => true,
                Some(t) => m.links.iter().map(link_dto).any(|l| {
                    l.kind == t
                        && q.link_id
                            .as_deref()
                            .is_none_or(|id| l.id.as_deref() == Some(id))
                }),
            })
            .map(memo_dto)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/projects/{project}/memos", tag = "memos", request_body = NewMemoDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = MemoDto), (status = 422, body = crate::error::ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<NewMemoDto>,
) -> Result<(StatusCode, Json<MemoDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let kind = body
        .kind
        .as_deref()
        .map(parse_kind)
        .transpose()?
        .unwrap_or(MemoKind::Theoretical);
    let links = body
        .links
        .iter()
        .map(parse_link)
        .collect::<Result<Vec<_>, _>>()?;
    let m = s
        .app
        .create_memo(&actor, &p, &body.title, &body.body, kind, links)
        .await?;
    Ok((StatusCode::CREATED, Json(memo_dto(m))))
}

async fn find(s: &AppState, p: &axial_core::Project, id: MemoId) -> Result<Memo, ApiError> {
    let m = s
        .app
        .store()
        .memo(id)
        .await
        .map_err(axial_app::AppError::from)?;
    if m.project != p.id {
        return Err(ApiError::not_found(format!(
            "no memo with id {id} in project '{}'",
            p.name
        )));
    }
    Ok(m)
}

#[utoipa::path(get, path = "/projects/{project}/memos/{memo}", tag = "memos",
    params(("project" = String, Path, description = "project id"), ("memo" = String, Path, description = "memo id")),
    responses((status = 200, body = MemoDto), (status = 404, body = crate::error::ErrorBody)))]
async fn one(
    State(s): State<AppState>,
    Path((project, memo)): Path<(ProjectId, MemoId)>,
) -> ApiResult<MemoDto> {
    let p = super::project(&s, project).await?;
    Ok(Json(memo_dto(find(&s, &p, memo).await?)))
}

#[utoipa::path(patch, path = "/projects/{project}/memos/{memo}", tag = "memos", request_body = MemoChangesDto,
    params(("project" = String, Path, description = "project id"), ("memo" = String, Path, description = "memo id")),
    responses((status = 200, body = MemoDto), (status = 409, body = crate::error::ErrorBody, description = "saved by someone else since `version`")))]
async fn update(
    State(s): State<AppState>,
    Path((project, memo)): Path<(ProjectId, MemoId)>,
    Json(body): Json<MemoChangesDto>,
) -> ApiResult<MemoDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let current = find(&s, &p, memo).await?;
    if current.version != Version(body.version) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("memo '{}' was saved elsewhere since you opened it (your version {}, now {}); copy your text, reload and merge", current.title, body.version, current.version),
        ));
    }
    let kind = body.kind.as_deref().map(parse_kind).transpose()?;
    let links = body
        .links
        .as_ref()
        .map(|ls| ls.iter().map(parse_link).collect::<Result<Vec<_>, _>>())
        .transpose()?;
    let m = s
        .app
        .edit_memo(&actor, &p, &current, |m| {
            if let Some(t) = body.title {
                m.title = t;
            }
            if let Some(b) = body.body {
                m.body = b;
            }
            if let Some(k) = kind {
                m.kind = k;
            }
            if let Some(l) = links {
                m.links = l;
            }
        })
        .await?;
    Ok(Json(memo_dto(m)))
}

#[derive(Serialize, ToSchema)]
struct DeletedDto {
    deleted: bool,
}

#[utoipa::path(delete, path = "/projects/{project}/memos/{memo}", tag = "memos",
    params(("project" = String, Path, description = "project id"), ("memo" = String, Path, description = "memo id")),
    responses((status = 200, body = DeletedDto)))]
async fn delete(
    State(s): State<AppState>,
    Path((project, memo)): Path<(ProjectId, MemoId)>,
) -> ApiResult<DeletedDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let m = find(&s, &p, memo).await?;
    s.app.delete_memo(&actor, &p, &m).await?;
    Ok(Json(DeletedDto { deleted: true }))
}
