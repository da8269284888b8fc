//! `/projects/{project}/quotes`: quotes of participants (from a span, a
//! UTF-16 range the browser selected, or a coded segment), their
//! member-check status, and the scan that finds quotations in memos.
//! What a quote is and who it belongs to is the app's business.

use axial_app::quotes::{QuoteChanges, QuoteStatus, QuoteUse, QuoteView};
use axial_core::{CodingId, MemoId, ProjectId, RecordId, SourceId, Span, Version};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path, Query};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update))
        .routes(routes!(scan))
}

/// Where a quote is used: `{"type": "memo", "id": …}` or `{"type": "report", "name": …}`.
#[derive(Serialize, Deserialize, ToSchema)]
struct UseDto {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// The memo's title or the report's name.
    #[serde(default)]
    name: String,
}

#[derive(Serialize, ToSchema)]
struct QuoteDto {
    id: String,
    participant: Option<String>,
    participant_id: Option<String>,
    source: String,
    source_id: String,
    /// Code points `[start, end)`.
    start: u32,
    end: u32,
    text: String,
    /// not_sent, sent, approved, amended or withdrawn.
    status: String,
    note: String,
    amended_text: String,
    used_in: Vec<UseDto>,
    /// Send back when changing the status.
    version: u64,
}

fn quote_dto(q: QuoteView) -> QuoteDto {
    QuoteDto {
        id: q.id.to_string(),
        participant: q.participant,
        participant_id: q.participant_id.map(|p| p.to_string()),
        source: q.source,
        source_id: q.source_id.to_string(),
        start: q.start,
        end: q.end,
        text: q.text,
        status: q.status.as_str().to_string(),
        note: q.note,
        amended_text: q.amended_text,
        used_in: q
            .used_in
            .into_iter()
            .map(|u| UseDto {
                kind: u.kind.to_string(),
                id: u.id,
                name: u.name,
            })
            .collect(),
        version: q.version,
    }
}

fn parse_use(u: &UseDto) -> Result<QuoteUse, ApiError> {
    match u.kind.as_str() {
        "memo" => {
            let id = u
                .id
                .as_deref()
                .ok_or_else(|| ApiError::invalid("used_in", "a memo use needs the memo's id"))?;
            Ok(QuoteUse::Memo(id.parse::<MemoId>().map_err(|e| {
                ApiError::invalid("used_in", e.to_string())
            })?))
        }
        "report" => Ok(QuoteUse::Report(u.name.trim().to_string())),
        other => Err(ApiError::invalid(
            "used_in",
            format!("unknown use type '{other}'; use memo or report"),
        )),
    }
}

fn parse_status(s: &str) -> Result<QuoteStatus, ApiError> {
    s.parse()
        .map_err(|e: String| ApiError::invalid("status", e))
}

#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// Only this participant's (record id).
    participant: Option<String>,
    /// Only quotes with this status.
    status: Option<String>,
}

#[utoipa::path(get, path = "/projects/{project}/quotes", tag = "quotes",
    params(("project" = String, Path, description = "project id"), ListQuery),
    responses((status = 200, body = [QuoteDto], description = "oldest first")))]
async fn list(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Vec<QuoteDto>> {
    let p = super::project(&s, project).await?;
    let status = q
        .status
        .as_deref()
        .filter(|x| !x.is_empty())
        .map(parse_status)
        .transpose()?;
    let who = q
        .participant
        .as_deref()
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<RecordId>()
                .map_err(|e| ApiError::invalid("participant", e.to_string()))
        })
        .transpose()?;
    Ok(Json(
        s.app
            .quote_views(&p)
            .await?
            .into_iter()
            .filter(|v| who.is_none_or(|w| v.participant_id == Some(w)))
            .filter(|v| status.is_none_or(|st| v.status == st))
            .map(quote_dto)
            .collect(),
    ))
}

/// A new quote: a coded segment (`coding`), or a source with code points
/// (`start`, `end`) or a browser selection (`start_utf16`, `end_utf16`).
#[derive(Deserialize, ToSchema)]
struct NewQuoteDto {
    coding: Option<String>,
    source: Option<String>,
    start: Option<u32>,
    end: Option<u32>,
    start_utf16: Option<usize>,
    end_utf16: Option<usize>,
    #[serde(default)]
    used_in: Vec<UseDto>,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/projects/{project}/quotes", tag = "quotes", request_body = NewQuoteDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = QuoteDto), (status = 422, body = crate::error::ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<NewQuoteDto>,
) -> Result<(StatusCode, Json<QuoteDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let (source, span) = if let Some(c) = body.coding.as_deref() {
        let id: CodingId = c
            .parse()
            .map_err(|e: axial_core::IdError| ApiError::invalid("coding", e.to_string()))?;
        let coding = s.app.coding(&p, id).await?;
        (super::source_in(&s, &p, coding.source).await?, coding.span)
    } else {
        let sid: SourceId = body
            .source
            .as_deref()
            .ok_or_else(|| ApiError::invalid("source", "give a coding, or a source with a range"))?
            .parse()
            .map_err(|e: axial_core::IdError| ApiError::invalid("source", e.to_string()))?;
        let source = super::source_in(&s, &p, sid).await?;
        let span = match (body.start, body.end, body.start_utf16, body.end_utf16) {
            (Some(a), Some(b), _, _) => Span::new(a, b, source.char_len)
                .map_err(|e| ApiError::invalid("start", e.to_string()))?,
            (_, _, Some(a), Some(b)) => s.app.span_of_utf16(&source, a, b).await?,
            _ => {
                return Err(ApiError::invalid(
                    "start",
                    "give start and end (code points) or start_utf16 and end_utf16",
                ))
            }
        };
        (source, span)
    };
    let uses = body
        .used_in
        .iter()
        .map(parse_use)
        .collect::<Result<Vec<_>, _>>()?;
    let q = s
        .app
        .add_quote(&actor, &p, &source, span, uses, &body.note)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(quote_dto(s.app.quote_view(&p, q).await?)),
    ))
}

#[derive(Deserialize, ToSchema)]
struct QuoteChangesDto {
    /// The version the change started from.
    version: u64,
    status: Option<String>,
    note: Option<String>,
    /// The participant's wording, for an amended quote.
    amended_text: Option<String>,
}

#[utoipa::path(patch, path = "/projects/{project}/quotes/{quote}", tag = "quotes", request_body = QuoteChangesDto,
    params(("project" = String, Path, description = "project id"), ("quote" = String, Path, description = "quote id")),
    responses((status = 200, body = QuoteDto), (status = 409, body = crate::error::ErrorBody, description = "changed by someone else since `version`")))]
async fn update(
    State(s): State<AppState>,
    Path((project, id)): Path<(ProjectId, RecordId)>,
    Json(body): Json<QuoteChangesDto>,
) -> ApiResult<QuoteDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let q = s.app.record_of::<axial_app::quotes::Quote>(&p, id).await?;
    if q.record.version != Version(body.version) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "the quote was changed elsewhere since you opened it (your version {}, now {}); reload and try again",
                body.version, q.record.version
            ),
        ));
    }
    let status = body.status.as_deref().map(parse_status).transpose()?;
    let q = s
        .app
        .update_quote(
            &actor,
            &p,
            &q,
            QuoteChanges {
                status,
                note: body.note,
                amended_text: body.amended_text,
            },
        )
        .await?;
    Ok(Json(quote_dto(s.app.quote_view(&p, q).await?)))
}

#[derive(Serialize, ToSchema)]
struct ScanDto {
    memos_scanned: usize,
    found: usize,
    created: usize,
    updated: usize,
    quotes: Vec<QuoteDto>,
}

#[utoipa::path(post, path = "/projects/{project}/quotes/scan", tag = "quotes",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = ScanDto, description = "quotations found in memos, registered")))]
async fn scan(State(s): State<AppState>, Path(project): Path<ProjectId>) -> ApiResult<ScanDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let r = s.app.scan_quotes(&actor, &p).await?;
    Ok(Json(ScanDto {
        memos_scanned: r.memos_scanned,
        found: r.found,
        created: r.created,
        updated: r.updated,
        quotes: r.quotes.into_iter().map(quote_dto).collect(),
    }))
}
