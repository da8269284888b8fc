//! `/projects/{project}/codes`: the code tree with counts; create, rename,
//! recolour, describe, move, merge (with a preview), delete (with counts);
//! and a code's segments with context grouped by a case attribute, for
//! constant comparison.

use axial_app::CodeNode;
use axial_core::{CodeId, Color, MemoLink, ProjectId};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::memos::{memo_dto, MemoDto};
use super::{ApiResult, Json, Path, Query};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tree, create))
        .routes(routes!(detail, update, delete))
        .routes(routes!(move_code))
        .routes(routes!(merge_preview))
        .routes(routes!(merge))
        .routes(routes!(delete_preview))
        .routes(routes!(segments))
}

/// A code in the tree with its usage.
#[derive(Serialize, ToSchema)]
struct CodeNodeDto {
    id: String,
    name: String,
    path: String,
    parent: Option<String>,
    color: String,
    codable: bool,
    description: String,
    codings: u64,
    sources: u64,
    #[schema(no_recursion)]
    children: Vec<CodeNodeDto>,
}

fn node(n: CodeNode) -> CodeNodeDto {
    let u = n.usage;
    CodeNodeDto {
        id: u.id.to_string(),
        name: u.name,
        path: u.path,
        parent: u.parent.map(|p| p.to_string()),
        color: u.color,
        codable: u.codable,
        description: u.description,
        codings: u.codings,
        sources: u.sources,
        children: n.children.into_iter().map(node).collect(),
    }
}

/// A code with its definition, usage and memos.
#[derive(Serialize, ToSchema)]
struct CodeDetailDto {
    id: String,
    name: String,
    path: String,
    parent: Option<String>,
    color: String,
    codable: bool,
    description: String,
    inclusion: String,
    exclusion: String,
    example: String,
    codings: u64,
    sources: u64,
    memos: Vec<MemoDto>,
    /// Send it back with an edit: a stale one is refused (409) instead of
    /// overwriting someone's newer edit.
    version: u64,
}

#[derive(Deserialize, ToSchema)]
struct NewCodeDto {
    name: String,
    /// Parent code id; top level when absent.
    parent: Option<String>,
    /// `#rrggbb`; picked from the palette when absent.
    color: Option<String>,
    #[serde(default)]
    description: String,
    /// False makes a category (groups codes, is not applied to text).
    #[serde(default = "yes")]
    codable: bool,
}

fn yes() -> bool {
    true
}

/// Fields to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
struct CodeChangesDto {
    /// The version the editor started from (from `GET .../codes/{code}`);
    /// when given and stale, the edit is refused with 409 `conflict`.
    version: Option<u64>,
    name: Option<String>,
    color: Option<String>,
    description: Option<String>,
    inclusion: Option<String>,
    exclusion: Option<String>,
    example: Option<String>,
}

#[derive(Deserialize, ToSchema)]
struct MoveDto {
    /// New parent code id; `null` moves the code to the top level.
    parent: Option<String>,
}

#[derive(Deserialize, ToSchema)]
struct MergeDto {
    /// The code that receives the codings.
    into: String,
}

#[derive(Deserialize, IntoParams)]
struct MergeQuery {
    /// The code that would receive the codings.
    into: String,
}

#[derive(Serialize, ToSchema)]
struct MergePreviewDto {
    from: String,
    into: String,
    codings_moved: usize,
    codings_dropped: usize,
    children_moved: usize,
    memos_relinked: usize,
}

#[derive(Serialize, ToSchema)]
struct DeletePreviewDto {
    /// Codings removed with the code and the codes under it.
    codings: usize,
    /// Codes under it, deleted too.
    subcodes: usize,
}

fn parse_code_id(field: &str, s: &str) -> Result<CodeId, ApiError> {
    s.parse()
        .map_err(|e: axial_core::IdError| ApiError::invalid(field, e.to_string()))
}

fn parse_color(s: &str) -> Result<Color, ApiError> {
    s.parse()
        .map_err(|e: axial_core::ColorError| ApiError::invalid("color", e.to_string()))
}

#[utoipa::path(get, path = "/projects/{project}/codes", tag = "codes",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = [CodeNodeDto], description = "the code tree, siblings by name")))]
async fn tree(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<CodeNodeDto>> {
    let p = super::project(&s, project).await?;
    Ok(Json(
        s.app.code_tree(&p).await?.into_iter().map(node).collect(),
    ))
}

#[utoipa::path(post, path = "/projects/{project}/codes", tag = "codes", request_body = NewCodeDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = CodeDetailDto), (status = 409, body = crate::error::ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<NewCodeDto>,
) -> Result<(StatusCode, Json<CodeDetailDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let parent = match body.parent.as_deref().filter(|x| !x.is_empty()) {
        Some(id) => Some(super::code_in(&s, &p, parse_code_id("parent", id)?).await?),
        None => None,
    };
    let color = body
        .color
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(parse_color)
        .transpose()?;
    let code = s
        .app
        .create_code(
            &actor,
            &p,
            &body.name,
            parent.as_ref(),
            color,
            &body.description,
            body.codable,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(detail_of(&s, &p, code.id).await?)))
}

async fn detail_of(
    s: &AppState,
    p: &axial_core::Project,
    id: CodeId,
) -> Result<CodeDetailDto, ApiError> {
    let usage = s
        .app
        .code_usage(p)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no code with id {id}")))?;
    let code = super::code_in(s, p, id).await?;
    let code_version = code.version.0;
    let memos = s
        .app
        .memos(p)
        .await?
        .into_iter()
        .filter(|m| m.links.contains(&MemoLink::Code(id)))
        .map(memo_dto)
        .collect();
    Ok(CodeDetailDto {
        id: id.to_string(),
        name: code.name,
        path: usage.path,
        parent: code.parent.map(|x| x.to_string()),
        color: code.color.to_string(),
        codable: code.codable,
        description: code.description,
        inclusion: code.inclusion,
        exclusion: code.exclusion,
        example: code.example,
        codings: usage.codings,
        sources: usage.sources,
        memos,
        version: code_version,
    })
}

#[utoipa::path(get, path = "/projects/{project}/codes/{code}", tag = "codes",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id")),
    responses((status = 200, body = CodeDetailDto), (status = 404, body = crate::error::ErrorBody)))]
async fn detail(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
) -> ApiResult<CodeDetailDto> {
    let p = super::project(&s, project).await?;
    Ok(Json(detail_of(&s, &p, code).await?))
}

#[utoipa::path(patch, path = "/projects/{project}/codes/{code}", tag = "codes", request_body = CodeChangesDto,
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id")),
    responses((status = 200, body = CodeDetailDto), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn update(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
    Json(body): Json<CodeChangesDto>,
) -> ApiResult<CodeDetailDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let current = super::code_in(&s, &p, code).await?;
    if let Some(v) = body.version {
        if v != current.version.0 {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "conflict",
                format!(
                    "code '{}' was changed by someone else since you opened it (your version {v}, saved version {}); \
                     nothing was overwritten: look at the saved version and edit again",
                    current.name, current.version
                ),
            ));
        }
    }
    let color = body.color.as_deref().map(parse_color).transpose()?;
    let summary = match (&body.name, &color) {
        (Some(_), _) => "renamed code",
        (None, Some(_)) => "recoloured code",
        _ => "described code",
    };
    s.app
        .update_code(
            &actor,
            &p,
            &current,
            |c| {
                if let Some(n) = body.name {
                    c.name = n;
                }
                if let Some(col) = color {
                    c.color = col;
                }
                if let Some(d) = body.description {
                    c.description = d;
                }
                if let Some(x) = body.inclusion {
                    c.inclusion = x;
                }
                if let Some(x) = body.exclusion {
                    c.exclusion = x;
                }
                if let Some(x) = body.example {
                    c.example = x;
                }
            },
            summary,
        )
        .await?;
    Ok(Json(detail_of(&s, &p, code).await?))
}

#[utoipa::path(delete, path = "/projects/{project}/codes/{code}", tag = "codes",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id")),
    responses((status = 200, body = DeletePreviewDto, description = "what was deleted; undo restores it")))]
async fn delete(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
) -> ApiResult<DeletePreviewDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let current = super::code_in(&s, &p, code).await?;
    let (_, subcodes) = s.app.delete_code_count(&p, &current).await?;
    let codings = s.app.delete_code(&actor, &p, &current).await?;
    Ok(Json(DeletePreviewDto { codings, subcodes }))
}

#[utoipa::path(get, path = "/projects/{project}/codes/{code}/delete-preview", tag = "codes",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id")),
    responses((status = 200, body = DeletePreviewDto)))]
async fn delete_preview(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
) -> ApiResult<DeletePreviewDto> {
    let p = super::project(&s, project).await?;
    let current = super::code_in(&s, &p, code).await?;
    let (codings, subcodes) = s.app.delete_code_count(&p, &current).await?;
    Ok(Json(DeletePreviewDto { codings, subcodes }))
}

#[utoipa::path(post, path = "/projects/{project}/codes/{code}/move", tag = "codes", request_body = MoveDto,
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id")),
    responses((status = 200, body = CodeDetailDto), (status = 422, body = crate::error::ErrorBody)))]
async fn move_code(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
    Json(body): Json<MoveDto>,
) -> ApiResult<CodeDetailDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let current = super::code_in(&s, &p, code).await?;
    let parent = match body.parent.as_deref().filter(|x| !x.is_empty()) {
        Some(id) => Some(super::code_in(&s, &p, parse_code_id("parent", id)?).await?),
        None => None,
    };
    s.app
        .move_code(&actor, &p, &current, parent.as_ref())
        .await?;
    Ok(Json(detail_of(&s, &p, code).await?))
}

fn preview_dto(m: axial_app::MergePreview) -> MergePreviewDto {
    MergePreviewDto {
        from: m.from,
        into: m.into,
        codings_moved: m.codings_moved,
        codings_dropped: m.codings_dropped,
        children_moved: m.children_moved,
        memos_relinked: m.memos_relinked,
    }
}

#[utoipa::path(get, path = "/projects/{project}/codes/{code}/merge-preview", tag = "codes",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "the code merged away"), MergeQuery),
    responses((status = 200, body = MergePreviewDto)))]
async fn merge_preview(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
    Query(q): Query<MergeQuery>,
) -> ApiResult<MergePreviewDto> {
    let p = super::project(&s, project).await?;
    let from = super::code_in(&s, &p, code).await?;
    let into = super::code_in(&s, &p, parse_code_id("into", &q.into)?).await?;
    Ok(Json(preview_dto(
        s.app.merge_preview(&p, &from, &into).await?,
    )))
}

#[utoipa::path(post, path = "/projects/{project}/codes/{code}/merge", tag = "codes", request_body = MergeDto,
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "the code merged away")),
    responses((status = 200, body = MergePreviewDto, description = "what the merge did")))]
async fn merge(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
    Json(body): Json<MergeDto>,
) -> ApiResult<MergePreviewDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let from = super::code_in(&s, &p, code).await?;
    let into = super::code_in(&s, &p, parse_code_id("into", &body.into)?).await?;
    Ok(Json(preview_dto(
        s.app.merge_codes(&actor, &p, &from, &into).await?,
    )))
}

#[derive(Deserialize, IntoParams)]
struct SegmentsQuery {
    /// Case attribute (variable name) to group by; one group when absent.
    group_by: Option<String>,
    /// Characters of context on each side (default 120, at most 2000).
    context: Option<u32>,
    /// Include codings of the codes under this one (default true).
    include_children: Option<bool>,
}

#[derive(Serialize, ToSchema)]
struct SegmentsDto {
    code: String,
    group_by: Option<String>,
    total: usize,
    groups: Vec<SegmentGroupDto>,
}

#[derive(Serialize, ToSchema)]
struct SegmentGroupDto {
    value: String,
    segments: Vec<CodedSegmentDto>,
}

/// A coded segment with its context; `start`/`end` are code points.
#[derive(Serialize, ToSchema)]
pub(crate) struct CodedSegmentDto {
    coding: String,
    code: String,
    code_id: String,
    source: String,
    source_id: String,
    case: Option<String>,
    attribution: String,
    start: u32,
    end: u32,
    first_line: usize,
    last_line: usize,
    text: String,
    context_before: String,
    context_after: String,
    coder: String,
}

pub(crate) fn segment_dto(g: axial_app::Segment) -> CodedSegmentDto {
    CodedSegmentDto {
        coding: g.coding.to_string(),
        code: g.code,
        code_id: g.code_id.to_string(),
        source: g.source,
        source_id: g.source_id.to_string(),
        case: g.case,
        attribution: g.attribution,
        start: g.start,
        end: g.end,
        first_line: g.first_line,
        last_line: g.last_line,
        text: g.text,
        context_before: g.context_before,
        context_after: g.context_after,
        coder: g.coder,
    }
}

#[utoipa::path(get, path = "/projects/{project}/codes/{code}/segments", tag = "codes",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id"), SegmentsQuery),
    responses((status = 200, body = SegmentsDto, description = "segments with context, grouped by the attribute's values")))]
async fn segments(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
    Query(q): Query<SegmentsQuery>,
) -> ApiResult<SegmentsDto> {
    let p = super::project(&s, project).await?;
    let c = super::code_in(&s, &p, code).await?;
    let group_by = q.group_by.filter(|g| !g.trim().is_empty());
    let groups = s
        .app
        .grouped_segments(
            &p,
            c.id,
            q.include_children.unwrap_or(true),
            group_by.as_deref(),
            q.context.unwrap_or(120).min(2000),
        )
        .await?;
    let groups: Vec<SegmentGroupDto> = groups
        .into_iter()
        .map(|g| SegmentGroupDto {
            value: g.value,
            segments: g.segments.into_iter().map(segment_dto).collect(),
        })
        .collect();
    Ok(Json(SegmentsDto {
        code: c.name,
        group_by,
        total: groups.iter().map(|g| g.segments.len()).sum(),
        groups,
    }))
}
