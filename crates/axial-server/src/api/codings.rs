//! `/projects/{project}/codings`: apply a code to a browser selection (UTF-16
//! offsets, converted to code points by the app's `TextIndex`), to lines, or
//! in vivo; code many search hits at once; read, re-code, re-bound and
//! remove one coding.

use axial_app::ApplyTarget;
use axial_core::{Code, CodeId, Coding, CodingId, MemoLink, ProjectId, Source, SourceId, Span};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::memos::{memo_dto, MemoDto};
use super::{ApiResult, Json, Path};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(apply))
        .routes(routes!(batch))
        .routes(routes!(one, update, remove))
}

/// One coding; `start`/`end` in code points, `*_utf16` as a browser counts.
#[derive(Serialize, ToSchema)]
struct CodingDto {
    id: String,
    source: String,
    code: String,
    code_name: String,
    color: String,
    start: u32,
    end: u32,
    start_utf16: usize,
    end_utf16: usize,
    /// Lines the coding spans, counted from 1.
    first_line: usize,
    last_line: usize,
    text: String,
    memos: Vec<MemoDto>,
}

/// Where and what to code. Give `code` (an id), or `new_code` (a name: a
/// top-level code of that name is reused or created), or `in_vivo: true`
/// (a code named after the selected words). Give the selection as
/// `start_utf16`/`end_utf16`, or whole lines as `first_line`/`last_line`.
#[derive(Deserialize, ToSchema)]
struct ApplyDto {
    source: String,
    code: Option<String>,
    new_code: Option<String>,
    #[serde(default)]
    in_vivo: bool,
    start_utf16: Option<usize>,
    end_utf16: Option<usize>,
    first_line: Option<usize>,
    last_line: Option<usize>,
}

#[derive(Serialize, ToSchema)]
struct ApplyResultDto {
    code_id: String,
    code_name: String,
    color: String,
    /// Codings made (an identical coding by the same coder is not repeated).
    codings: Vec<String>,
}

/// Code points `[start, end)` of one source (as search hits give them).
#[derive(Deserialize, ToSchema)]
struct TargetDto {
    source: String,
    start: u32,
    end: u32,
}

#[derive(Deserialize, ToSchema)]
struct BatchDto {
    code: String,
    targets: Vec<TargetDto>,
}

#[derive(Serialize, ToSchema)]
struct BatchResultDto {
    coded: usize,
}

/// Change a coding's code and/or boundaries (both `start_utf16` and `end_utf16`).
#[derive(Deserialize, ToSchema)]
struct CodingChangesDto {
    code: Option<String>,
    start_utf16: Option<usize>,
    end_utf16: Option<usize>,
}

#[derive(Serialize, ToSchema)]
struct RemovedDto {
    removed: usize,
}

fn parse<T: std::str::FromStr<Err = axial_core::IdError>>(
    field: &str,
    s: &str,
) -> Result<T, ApiError> {
    s.parse()
        .map_err(|e: axial_core::IdError| ApiError::invalid(field, e.to_string()))
}

async fn coding_dto(
    s: &AppState,
    p: &axial_core::Project,
    c: Coding,
) -> Result<CodingDto, ApiError> {
    let source = super::source_in(s, p, c.source).await?;
    let text = s.app.text(&source).await?;
    let code = super::code_in(s, p, c.code).await?;
    let memos = s
        .app
        .memos(p)
        .await?
        .into_iter()
        .filter(|m| m.links.contains(&MemoLink::Coding(c.id)))
        .map(memo_dto)
        .collect();
    Ok(CodingDto {
        id: c.id.to_string(),
        source: c.source.to_string(),
        code: code.id.to_string(),
        code_name: code.name,
        color: code.color.to_string(),
        start: c.span.start().0,
        end: c.span.end().0,
        start_utf16: text.index.utf16_of(&text.text, c.span.start()),
        end_utf16: text.index.utf16_of(&text.text, c.span.end()),
        first_line: text.lines.line_of(c.span.start()) + 1,
        last_line: text
            .lines
            .line_of(axial_core::CharOffset(c.span.end().0 - 1))
            + 1,
        text: text.slice(c.span).to_string(),
        memos,
    })
}

fn target(body: &ApplyDto) -> Result<ApplyTarget, ApiError> {
    match (body.start_utf16, body.end_utf16, body.first_line, body.last_line) {
        (Some(start), Some(end), None, None) => Ok(ApplyTarget::Utf16 { start, end }),
        (None, None, Some(first), last) => Ok(ApplyTarget::Lines { first, last: last.unwrap_or(first) }),
        _ => Err(ApiError::invalid("start_utf16", "give the selection as start_utf16 and end_utf16, or whole lines as first_line (and last_line)")),
    }
}

async fn span_of(s: &AppState, source: &Source, t: &ApplyTarget) -> Result<Span, ApiError> {
    match t {
        ApplyTarget::Utf16 { start, end } => Ok(s.app.span_of_utf16(source, *start, *end).await?),
        ApplyTarget::Lines { first, last } => {
            let text = s.app.text(source).await?;
            first
                .checked_sub(1)
                .zip(last.checked_sub(1))
                .and_then(|(a, b)| text.lines.span_of_lines(a, b))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "first_line",
                        format!(
                            "lines {first}-{last} are not non-empty lines of '{}'",
                            source.name
                        ),
                    )
                })
        }
        _ => Err(ApiError::invalid(
            "start_utf16",
            "in-vivo coding needs a selection",
        )),
    }
}

#[utoipa::path(post, path = "/projects/{project}/codings", tag = "codings", request_body = ApplyDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = ApplyResultDto), (status = 422, body = crate::error::ErrorBody)))]
async fn apply(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<ApplyDto>,
) -> Result<(StatusCode, Json<ApplyResultDto>), ApiError> {
    if let (Some(code), false) = (&body.code, body.in_vivo) {
        // The common case (a selection coded with an existing code): the
        // app reads only what it needs, at once.
        let source = parse::<SourceId>("source", &body.source)?;
        let code = parse::<CodeId>("code", code)?;
        let t = target(&body)?;
        let actor = s.actor().await?;
        let (code, made) = s
            .app
            .apply_by_ids(&actor, project, source, code, &t)
            .await?;
        return Ok(applied(code, made));
    }
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let source = super::source_in(&s, &p, parse::<SourceId>("source", &body.source)?).await?;
    let t = target(&body)?;
    let (code, made): (Code, Vec<Coding>) = if body.in_vivo {
        let span = span_of(&s, &source, &t).await?;
        s.app.code_in_vivo(&actor, &p, &source, span).await?
    } else {
        let code = match (&body.code, &body.new_code) {
            (Some(id), _) => super::code_in(&s, &p, parse::<CodeId>("code", id)?).await?,
            (None, Some(name)) => {
                let clean =
                    axial_core::validate_name("code", name).map_err(axial_app::AppError::from)?;
                match s
                    .app
                    .codes(&p)
                    .await?
                    .into_iter()
                    .find(|c| c.parent.is_none() && c.name == clean)
                {
                    Some(c) => c,
                    None => {
                        s.app
                            .create_code(&actor, &p, &clean, None, None, "", true)
                            .await?
                    }
                }
            }
            (None, None) => {
                return Err(ApiError::invalid(
                    "code",
                    "say which code to apply: code (an id), new_code (a name) or in_vivo",
                ))
            }
        };
        let made = s
            .app
            .apply_code(&actor, &p, &code, std::slice::from_ref(&source), &t)
            .await?;
        (code, made)
    };
    Ok(applied(code, made))
}

fn applied(code: Code, made: Vec<Coding>) -> (StatusCode, Json<ApplyResultDto>) {
    (
        StatusCode::CREATED,
        Json(ApplyResultDto {
            code_id: code.id.to_string(),
            code_name: code.name,
            color: code.color.to_string(),
            codings: made.iter().map(|c| c.id.to_string()).collect(),
        }),
    )
}

#[utoipa::path(post, path = "/projects/{project}/codings/batch", tag = "codings", request_body = BatchDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = BatchResultDto, description = "how many new codings were made, in one change")))]
async fn batch(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<BatchDto>,
) -> ApiResult<BatchResultDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let code = super::code_in(&s, &p, parse::<CodeId>("code", &body.code)?).await?;
    if body.targets.is_empty() {
        return Err(ApiError::invalid(
            "targets",
            "no targets to code; select some hits first",
        ));
    }
    let mut spans = Vec::with_capacity(body.targets.len());
    for t in &body.targets {
        let source =
            super::source_in(&s, &p, parse::<SourceId>("targets.source", &t.source)?).await?;
        let span = Span::new(t.start, t.end, source.char_len)
            .map_err(|e| ApiError::invalid("targets", format!("'{}': {e}", source.name)))?;
        spans.push((source, span));
    }
    let coded = s.app.apply_spans(&actor, &p, &code, spans).await?;
    Ok(Json(BatchResultDto { coded }))
}

#[utoipa::path(get, path = "/projects/{project}/codings/{coding}", tag = "codings",
    params(("project" = String, Path, description = "project id"), ("coding" = String, Path, description = "coding id")),
    responses((status = 200, body = CodingDto), (status = 404, body = crate::error::ErrorBody)))]
async fn one(
    State(s): State<AppState>,
    Path((project, coding)): Path<(ProjectId, CodingId)>,
) -> ApiResult<CodingDto> {
    let p = super::project(&s, project).await?;
    let c = s.app.coding(&p, coding).await?;
    Ok(Json(coding_dto(&s, &p, c).await?))
}

#[utoipa::path(patch, path = "/projects/{project}/codings/{coding}", tag = "codings", request_body = CodingChangesDto,
    params(("project" = String, Path, description = "project id"), ("coding" = String, Path, description = "coding id")),
    responses((status = 200, body = CodingDto), (status = 422, body = crate::error::ErrorBody)))]
async fn update(
    State(s): State<AppState>,
    Path((project, coding)): Path<(ProjectId, CodingId)>,
    Json(body): Json<CodingChangesDto>,
) -> ApiResult<CodingDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let current = s.app.coding(&p, coding).await?;
    let code = match &body.code {
        Some(id) => Some(super::code_in(&s, &p, parse::<CodeId>("code", id)?).await?),
        None => None,
    };
    let span = match (body.start_utf16, body.end_utf16) {
        (Some(a), Some(b)) => {
            let source = super::source_in(&s, &p, current.source).await?;
            Some(s.app.span_of_utf16(&source, a, b).await?)
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid(
                "end_utf16",
                "give both start_utf16 and end_utf16 to adjust the boundaries",
            ))
        }
    };
    let after = s
        .app
        .update_coding(&actor, &p, coding, code.as_ref(), span)
        .await?;
    Ok(Json(coding_dto(&s, &p, after).await?))
}

#[utoipa::path(delete, path = "/projects/{project}/codings/{coding}", tag = "codings",
    params(("project" = String, Path, description = "project id"), ("coding" = String, Path, description = "coding id")),
    responses((status = 200, body = RemovedDto)))]
async fn remove(
    State(s): State<AppState>,
    Path((project, coding)): Path<(ProjectId, CodingId)>,
) -> ApiResult<RemovedDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let c = s.app.coding(&p, coding).await?;
    let code = super::code_in(&s, &p, c.code).await?;
    let source = super::source_in(&s, &p, c.source).await?;
    let what = format!("'{}' in '{}'", code.name, source.name);
    let removed = s.app.remove_codings(&actor, &p, vec![c], &what).await?;
    Ok(Json(RemovedDto { removed }))
}
