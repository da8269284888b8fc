//! `/projects/{project}/sources`: the sources list (with case, attributes,
//! sets and coding density, filterable), uploads (several files, one result
//! per file), one source, and its coded layout for the reader (with
//! `blind=true`, only the acting user's codings: blind coding).

use std::collections::BTreeMap;

use axial_app::{ImportOutcome, ImportRequest, LayoutRange, SourceSummary};
use axial_core::{ProjectId, SourceId};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{rfc3339, ApiResult, Json, Path, Query};
use crate::security::UPLOAD_LIMIT;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload))
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .routes(routes!(one))
        .routes(routes!(layout))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SourceDto {
    id: String,
    name: String,
    kind: String,
    description: String,
    /// Length in code points.
    char_len: u32,
    case: Option<String>,
    case_id: Option<String>,
    /// Case attributes, then the source's own.
    attributes: BTreeMap<String, String>,
    sets: Vec<String>,
    codings: usize,
    codes: usize,
    /// Share of characters covered by at least one coding (0–1).
    coverage: f64,
    imported_at: String,
    turns: usize,
}

fn dto(s: SourceSummary) -> SourceDto {
    SourceDto {
        id: s.source.id.to_string(),
        name: s.source.name,
        kind: format!("{:?}", s.source.kind).to_lowercase(),
        description: s.source.description,
        char_len: s.source.char_len,
        case: s.case,
        case_id: s.source.case.map(|c| c.to_string()),
        attributes: s.attributes,
        sets: s.sets,
        codings: s.codings,
        codes: s.codes,
        coverage: s.coverage,
        imported_at: rfc3339(s.source.imported_at),
        turns: s.source.structure.turns.len(),
    }
}

/// Filters of the sources list; all given ones must hold.
#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// Case name.
    case: Option<String>,
    /// Set name.
    set: Option<String>,
    /// Attribute (variable) name; with `value`, keeps sources whose case has that value.
    attribute: Option<String>,
    value: Option<String>,
}

#[utoipa::path(get, path = "/projects/{project}/sources", tag = "sources",
    params(("project" = String, Path, description = "project id"), ListQuery),
    responses((status = 200, body = [SourceDto])))]
async fn list(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Vec<SourceDto>> {
    let p = super::project(&s, project).await?;
    let eq = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let all = s.app.source_summaries(&p).await?;
    Ok(Json(
        all.into_iter()
            .filter(|x| {
                q.case
                    .as_deref()
                    .is_none_or(|c| x.case.as_deref().is_some_and(|have| eq(have, c)))
            })
            .filter(|x| {
                q.set
                    .as_deref()
                    .is_none_or(|set| x.sets.iter().any(|have| eq(have, set)))
            })
            .filter(|x| match (&q.attribute, &q.value) {
                (Some(a), Some(v)) => x.attributes.iter().any(|(k, have)| eq(k, a) && eq(have, v)),
                (Some(a), None) => x.attributes.keys().any(|k| eq(k, a)),
                _ => true,
            })
            .map(dto)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/projects/{project}/sources/{source}", tag = "sources",
    params(("project" = String, Path, description = "project id"), ("source" = String, Path, description = "source id")),
    responses((status = 200, body = SourceDto), (status = 404, body = crate::error::ErrorBody)))]
async fn one(
    State(s): State<AppState>,
    Path((project, source)): Path<(ProjectId, SourceId)>,
) -> ApiResult<SourceDto> {
    let p = super::project(&s, project).await?;
    let found = s
        .app
        .source_summaries(&p)
        .await?
        .into_iter()
        .find(|x| x.source.id == source);
    found.map(|x| Json(dto(x))).ok_or_else(|| {
        ApiError::not_found(format!(
            "no source with id {source} in project '{}'",
            p.name
        ))
    })
}

/// What happened to one uploaded file.
#[derive(Serialize, ToSchema)]
struct FileResultDto {
    file: String,
    /// `imported`, `duplicate` or `error`.
    status: String,
    source_id: Option<String>,
    source_name: Option<String>,
    warnings: Vec<String>,
    /// Why the file was not imported (for `duplicate` and `error`).
    message: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct UploadDto {
    files: Vec<FileResultDto>,
}

/// Multipart form: one or more `file` parts, and optionally a `case` field
/// (case name for all files of this upload; created when missing).
#[utoipa::path(post, path = "/projects/{project}/sources", tag = "sources",
    params(("project" = String, Path, description = "project id")),
    request_body(content_type = "multipart/form-data", description = "`file` parts (several allowed) and an optional `case` field"),
    responses((status = 200, body = UploadDto, description = "one result per file; a failed file does not stop the others"),
              (status = 413, body = crate::error::ErrorBody)))]
async fn upload(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    mut form: Multipart,
) -> ApiResult<UploadDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let mut files = Vec::new();
    let mut case = None;
    while let Some(field) = form.next_field().await? {
        match field.name() {
            Some("case") => {
                let c = field.text().await?;
                case = Some(c).filter(|c| !c.trim().is_empty());
            }
            Some("file") | Some("files") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await?;
                files.push((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if files.is_empty() {
        return Err(ApiError::invalid(
            "file",
            "no file in the upload; send one or more multipart parts named 'file'",
        ));
    }
    let mut results = Vec::with_capacity(files.len());
    for (file, bytes) in files {
        let req = ImportRequest {
            file_name: file.clone(),
            bytes,
            name: None,
            case: case.clone(),
        };
        let r = match s.app.import_document(&actor, &p, req).await {
            Ok(ImportOutcome::Imported { source, warnings }) => FileResultDto {
                file,
                status: "imported".into(),
                source_id: Some(source.id.to_string()),
                source_name: Some(source.name),
                warnings,
                message: None,
            },
            Ok(ImportOutcome::Duplicate { existing }) => FileResultDto {
                file,
                status: "duplicate".into(),
                source_id: None,
                source_name: Some(existing.clone()),
                warnings: vec![],
                message: Some(format!(
                    "the same text is already in the project as '{existing}'"
                )),
            },
            Err(e) => {
                let api = ApiError::from(e);
                FileResultDto {
                    file,
                    status: "error".into(),
                    source_id: None,
                    source_name: None,
                    warnings: vec![],
                    message: Some(api.message),
                }
            }
        };
        results.push(r);
    }
    Ok(Json(UploadDto { files: results }))
}

#[derive(Deserialize, IntoParams)]
struct LayoutQuery {
    /// First line to return, counted from 1 (default 1).
    from_line: Option<usize>,
    /// Last line to return, inclusive (default: the last line).
    to_line: Option<usize>,
    /// Blind coding: when true, only the acting user's codings are laid out
    /// (the other coders' stay hidden until the comparison is run).
    #[serde(default)]
    blind: bool,
}

#[derive(Serialize, ToSchema)]
struct LayoutDto {
    source: String,
    name: String,
    char_len: u32,
    utf16_len: usize,
    line_count: usize,
    from_line: usize,
    to_line: usize,
    /// Margin lanes the whole source needs.
    lanes: usize,
    /// True when only the acting user's codings are shown (blind coding).
    blind: bool,
    codes: Vec<LayoutCodeDto>,
    lines: Vec<LineDto>,
}

#[derive(Serialize, ToSchema)]
struct LayoutCodeDto {
    id: String,
    name: String,
    color: String,
    codings: usize,
}

/// One line of text; `start`/`end` are code points in the source,
/// `start_utf16` is the UTF-16 offset of its start.
#[derive(Serialize, ToSchema)]
struct LineDto {
    number: usize,
    start: u32,
    end: u32,
    start_utf16: usize,
    text: String,
    turn: Option<usize>,
    speaker: Option<String>,
    segments: Vec<SegmentDto>,
}

/// A coding clipped to a line; offsets relative to the line start.
#[derive(Serialize, ToSchema)]
struct SegmentDto {
    coding: String,
    code: String,
    code_name: String,
    color: String,
    lane: usize,
    start: u32,
    end: u32,
    start_utf16: usize,
    end_utf16: usize,
    first: bool,
    last: bool,
}

#[utoipa::path(get, path = "/projects/{project}/sources/{source}/layout", tag = "sources",
    params(("project" = String, Path, description = "project id"), ("source" = String, Path, description = "source id"), LayoutQuery),
    responses((status = 200, body = LayoutDto, description = "the text in lines with codings clipped per line")))]
async fn layout(
    State(s): State<AppState>,
    Path((project, source)): Path<(ProjectId, SourceId)>,
    Query(q): Query<LayoutQuery>,
) -> ApiResult<LayoutDto> {
    let p = super::project(&s, project).await?;
    let coder = if q.blind {
        Some(s.actor().await?.id())
    } else {
        None
    };
    let l = s
        .app
        .source_layout_for(
            &p,
            source,
            LayoutRange {
                from_line: q.from_line,
                to_line: q.to_line,
            },
            coder,
        )
        .await?;
    Ok(Json(LayoutDto {
        source: l.source.to_string(),
        name: l.name,
        char_len: l.char_len,
        utf16_len: l.utf16_len,
        line_count: l.line_count,
        from_line: l.from_line,
        to_line: l.to_line,
        lanes: l.lanes,
        blind: q.blind,
        codes: l
            .codes
            .into_iter()
            .map(|c| LayoutCodeDto {
                id: c.id.to_string(),
                name: c.name,
                color: c.color,
                codings: c.codings,
            })
            .collect(),
        lines: l
            .lines
            .into_iter()
            .map(|line| LineDto {
                number: line.number,
                start: line.start,
                end: line.end,
                start_utf16: line.start_utf16,
                text: line.text,
                turn: line.turn,
                speaker: line.speaker,
                segments: line
                    .segments
                    .into_iter()
                    .map(|g| SegmentDto {
                        coding: g.coding.to_string(),
                        code: g.code.to_string(),
                        code_name: g.code_name,
                        color: g.color,
                        lane: g.lane,
                        start: g.start,
                        end: g.end,
                        start_utf16: g.start_utf16,
                        end_utf16: g.end_utf16,
                        first: g.first,
                        last: g.last,
                    })
                    .collect(),
            })
            .collect(),
    }))
}
