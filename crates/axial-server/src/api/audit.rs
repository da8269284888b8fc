//! `/projects/{project}/audit` and `/audit.csv`: the audit trail (every
//! logged change with its ops and changed fields, filtered and paged, or as
//! a CSV download); `/codes/{code}/genealogy`: a code's story from the log;
//! and `/codes/{code}/split`, the use case whose steps the genealogy follows
//! besides merges.
//!
//! Only reads here, apart from the split: no route edits or deletes a log
//! entry (the API tests walk the OpenAPI document to keep it so).

use axial_app::{AuditEntry, AuditQuery, Genealogy, GenealogyEvent};
use axial_core::{ChangeSeq, CodeId, CodingId, ProjectId};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path, Query};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit))
        .routes(routes!(audit_csv))
        .routes(routes!(genealogy))
        .routes(routes!(split))
}

/// Filters of the audit trail; all optional.
#[derive(Deserialize, IntoParams)]
struct AuditParams {
    /// A user's login name or display name.
    author: Option<String>,
    /// An action, e.g. `code.merge`, `coding.apply`, `undo`.
    action: Option<String>,
    /// Only changes touching this kind of thing: `code`, `coding`, `source`, `memo`, ….
    entity: Option<String>,
    /// From this date (`YYYY-MM-DD`, UTC) or RFC 3339 time.
    since: Option<String>,
    /// Up to and including this date, or before this RFC 3339 time.
    until: Option<String>,
    /// Only changes older than this sequence number (the `next_before` of the previous page).
    before: Option<i64>,
    /// Entries per page (default 100, at most 1000). Not used by the CSV.
    limit: Option<u32>,
}

fn query(p: &AuditParams) -> Result<AuditQuery, ApiError> {
    let field =
        |name: &'static str| move |e: axial_app::AppError| ApiError::invalid(name, e.to_string());
    Ok(AuditQuery {
        author: p.author.clone().filter(|a| !a.trim().is_empty()),
        action: p
            .action
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(axial_app::parse_action)
            .transpose()
            .map_err(field("action"))?,
        entity: p
            .entity
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(axial_app::parse_entity_kind)
            .transpose()
            .map_err(field("entity"))?,
        since: p
            .since
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(|s| axial_app::parse_instant(s, false))
            .transpose()
            .map_err(field("since"))?,
        until: p
            .until
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(|s| axial_app::parse_instant(s, true))
            .transpose()
            .map_err(field("until"))?,
        before: p.before.map(ChangeSeq),
        limit: Some(p.limit.unwrap_or(100).clamp(1, 1000)),
    })
}

/// A field an update changed.
#[derive(Serialize, ToSchema)]
struct FieldChangeDto {
    field: String,
    before: String,
    after: String,
}

/// One entity-level step of a change.
#[derive(Serialize, ToSchema)]
struct AuditOpDto {
    /// `insert`, `update` or `delete`.
    verb: String,
    /// `code`, `coding`, `source`, ….
    entity: String,
    id: String,
    label: String,
    changes: Vec<FieldChangeDto>,
}

/// One logged change.
#[derive(Serialize, ToSchema)]
struct AuditEntryDto {
    seq: i64,
    /// RFC 3339, UTC.
    at: String,
    /// Login name.
    author: String,
    author_name: String,
    action: String,
    summary: String,
    reverts: Option<i64>,
    reverted_by: Option<i64>,
    ops: Vec<AuditOpDto>,
}

/// A page of the audit trail, newest first.
#[derive(Serialize, ToSchema)]
struct AuditPageDto {
    entries: Vec<AuditEntryDto>,
    /// Pass as `before` for the next page; null on the last one.
    next_before: Option<i64>,
}

fn entry_dto(e: AuditEntry) -> AuditEntryDto {
    AuditEntryDto {
        seq: e.seq,
        at: e.at,
        author: e.author,
        author_name: e.author_name,
        action: e.action,
        summary: e.summary,
        reverts: e.reverts,
        reverted_by: e.reverted_by,
        ops: e
            .ops
            .into_iter()
            .map(|o| AuditOpDto {
                verb: o.verb,
                entity: o.entity,
                id: o.id,
                label: o.label,
                changes: o
                    .changes
                    .into_iter()
                    .map(|c| FieldChangeDto {
                        field: c.field,
                        before: c.before,
                        after: c.after,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/projects/{project}/audit", tag = "audit",
    params(("project" = String, Path, description = "project id"), AuditParams),
    responses((status = 200, body = AuditPageDto, description = "newest first"),
              (status = 422, body = crate::error::ErrorBody, description = "a filter is not understood")))]
async fn audit(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<AuditParams>,
) -> ApiResult<AuditPageDto> {
    let p = super::project(&s, project).await?;
    let page = s.app.audit(&p, &query(&q)?).await?;
    Ok(Json(AuditPageDto {
        entries: page.entries.into_iter().map(entry_dto).collect(),
        next_before: page.next_before,
    }))
}

#[utoipa::path(get, path = "/projects/{project}/audit.csv", tag = "audit",
    params(("project" = String, Path, description = "project id"), AuditParams),
    responses((status = 200, description = "CSV (RFC 4180, UTF-8) with a header row and one row per op, newest change first", content_type = "text/csv"),
              (status = 422, body = crate::error::ErrorBody, description = "a filter is not understood")))]
async fn audit_csv(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    let q = AuditQuery {
        limit: None,
        ..query(&q)?
    };
    let page = s.app.audit(&p, &q).await?;
    let bytes = axial_app::audit_csv(&page.entries)?;
    let safe: String = p
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}-audit.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A code named in a genealogy.
#[derive(Serialize, ToSchema)]
struct CodeRefDto {
    id: String,
    name: String,
}

/// One step of a code's story.
#[derive(Serialize, ToSchema)]
struct GenealogyEventDto {
    seq: i64,
    at: String,
    author: String,
    action: String,
    /// `created`, `split_from`, `renamed`, `described`, `recoloured`, `retyped`, `moved`, `updated`,
    /// `child_added`, `child_removed`, `merged`, `merged_into`, `split`, `merge_undone`,
    /// `split_undone`, `deleted` or `restored`.
    step: String,
    text: String,
    from: Option<String>,
    to: Option<String>,
    other: Option<CodeRefDto>,
    codings: Option<u64>,
    undo_of: Option<i64>,
    redo_of: Option<i64>,
    undone_by: Option<i64>,
    /// For `merged`: the merged code's own story up to the merge.
    #[schema(no_recursion)]
    merged: Option<Box<GenealogyDto>>,
}

/// A code's story, oldest step first.
#[derive(Serialize, ToSchema)]
struct GenealogyDto {
    code: String,
    name: String,
    exists: bool,
    events: Vec<GenealogyEventDto>,
}

fn step_name(e: &GenealogyEvent) -> String {
    serde_json::to_value(e.step)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn genealogy_dto(g: Genealogy) -> GenealogyDto {
    GenealogyDto {
        code: g.code.to_string(),
        name: g.name,
        exists: g.exists,
        events: g
            .events
            .into_iter()
            .map(|e| GenealogyEventDto {
                step: step_name(&e),
                seq: e.seq,
                at: e.at,
                author: e.author,
                action: e.action,
                text: e.text,
                from: e.from,
                to: e.to,
                other: e.other.map(|o| CodeRefDto {
                    id: o.id.to_string(),
                    name: o.name,
                }),
                codings: e.codings,
                undo_of: e.undo_of,
                redo_of: e.redo_of,
                undone_by: e.undone_by,
                merged: e.merged.map(|m| Box::new(genealogy_dto(*m))),
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/projects/{project}/codes/{code}/genealogy", tag = "audit",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id (also of a deleted code)")),
    responses((status = 200, body = GenealogyDto),
              (status = 404, body = crate::error::ErrorBody, description = "the project's log never had this code")))]
async fn genealogy(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
) -> ApiResult<GenealogyDto> {
    let p = super::project(&s, project).await?;
    Ok(Json(genealogy_dto(s.app.code_genealogy(&p, code).await?)))
}

/// Which codings move to the new code.
#[derive(Deserialize, ToSchema)]
struct SplitDto {
    /// The new code's name (it is created beside the split code).
    name: String,
    /// Ids of codings of the split code.
    codings: Vec<String>,
}

/// The code the split created.
#[derive(Serialize, ToSchema)]
struct SplitResultDto {
    id: String,
    name: String,
    parent: Option<String>,
    codings_moved: usize,
}

#[utoipa::path(post, path = "/projects/{project}/codes/{code}/split", tag = "audit", request_body = SplitDto,
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "the code split")),
    responses((status = 201, body = SplitResultDto),
              (status = 409, body = crate::error::ErrorBody, description = "a code of that name already exists there"),
              (status = 422, body = crate::error::ErrorBody, description = "no codings, or one is not of this code")))]
async fn split(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
    Json(body): Json<SplitDto>,
) -> Result<(axum::http::StatusCode, Json<SplitResultDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let from = super::code_in(&s, &p, code).await?;
    let codings = body
        .codings
        .iter()
        .map(|c| {
            c.parse::<CodingId>()
                .map_err(|_| ApiError::invalid("codings", format!("'{c}' is not a coding id")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut codings = codings;
    codings.sort_by_key(|c| c.to_string());
    codings.dedup();
    let new = s
        .app
        .split_code(&actor, &p, &from, &body.name, &codings)
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(SplitResultDto {
            id: new.id.to_string(),
            name: new.name,
            parent: new.parent.map(|p| p.to_string()),
            codings_moved: codings.len(),
        }),
    ))
}
