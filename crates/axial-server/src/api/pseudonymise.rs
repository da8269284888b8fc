//! `/projects/{project}/sources/{source}/pseudonymise`: proposals for
//! review (without the key, or with it when the passphrase is posted) and
//! applying the reviewed decisions, plus the project's pseudonym labels.
//! The key file is the one beside the database (`App::key_file`); the
//! passphrase comes in the request body and is never logged or stored.
//! Detection, labels and the change itself are the app's.

use axial_app::axial_privacy::Category;
use axial_app::{Accept, Decisions, KeyAccess, Proposals, Pseudonymised};
use axial_core::{ProjectId, SourceId};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(proposals, proposals_with_key))
        .routes(routes!(apply))
        .routes(routes!(pseudonyms))
}

#[derive(Serialize, ToSchema)]
struct ProposalDto {
    /// Decisions refer to this number.
    id: u32,
    /// person, place, email, phone, nhs_number, postcode or date_of_birth.
    category: String,
    /// high, medium or low.
    confidence: String,
    /// The detector: name_list, name_part, title, capitalised, email, …
    rule: String,
    original: String,
    /// Code points `[start, end)`.
    start: u32,
    end: u32,
    context_before: String,
    context_after: String,
    /// The suggested replacement.
    replacement: String,
    /// The replacement comes from the key (replaced before).
    known: bool,
}

#[derive(Serialize, ToSchema)]
struct ProposalsDto {
    source: String,
    source_name: String,
    /// Send it back with the decisions; a stale review is refused.
    fingerprint: String,
    /// Whether the key file's names and earlier replacements were used.
    key_used: bool,
    proposals: Vec<ProposalDto>,
}

fn proposals_dto(p: Proposals) -> ProposalsDto {
    ProposalsDto {
        source: p.source.to_string(),
        source_name: p.source_name,
        fingerprint: p.fingerprint,
        key_used: p.key_used,
        proposals: p
            .proposals
            .into_iter()
            .map(|x| ProposalDto {
                id: x.id,
                category: x.category.as_str().into(),
                confidence: x.confidence.as_str().into(),
                rule: x.rule.as_str().into(),
                original: x.original,
                start: x.start,
                end: x.end,
                context_before: x.context_before,
                context_after: x.context_after,
                replacement: x.replacement,
                known: x.known,
            })
            .collect(),
    }
}

#[derive(Deserialize, ToSchema)]
struct PassphraseDto {
    /// The key file's passphrase.
    passphrase: String,
}

#[derive(Deserialize, ToSchema)]
struct ReplaceDto {
    id: u32,
    label: String,
}

#[derive(Deserialize, ToSchema)]
struct RecategoriseDto {
    id: u32,
    category: String,
}

#[derive(Deserialize, ToSchema)]
struct ApplyDto {
    passphrase: String,
    /// The proposals to replace.
    #[serde(default)]
    accept: Vec<u32>,
    /// Own labels (these proposals are accepted too).
    #[serde(default)]
    replace: Vec<ReplaceDto>,
    /// Other categories for some proposals.
    #[serde(default)]
    recategorise: Vec<RecategoriseDto>,
    /// The fingerprint of the proposals reviewed.
    #[serde(default)]
    fingerprint: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct DroppedDto {
    coding: String,
    code: String,
    start: u32,
    end: u32,
}

#[derive(Serialize, ToSchema)]
struct SourceDoneDto {
    source: String,
    name: String,
    replacements: usize,
    codings_moved: usize,
    codings_dropped: Vec<DroppedDto>,
    char_len: u32,
}

#[derive(Serialize, ToSchema)]
struct LabelDto {
    label: String,
    category: String,
    count: u64,
}

#[derive(Serialize, ToSchema)]
struct PseudonymisedDto {
    sources: Vec<SourceDoneDto>,
    labels: Vec<LabelDto>,
    /// Memos whose title or text held an original (replaced too).
    memos_changed: usize,
    /// Project records (quotes, notes) whose body held an original or
    /// pointed into the rewritten text.
    records_changed: usize,
    /// The change's position in the log.
    seq: i64,
    /// Backups of this database taken before this change: they still hold
    /// the originals.
    backups_with_erased_data: usize,
    /// What to do about them (`axial backup purge --before-erasure`), when
    /// there are any.
    backup_warning: Option<String>,
}

fn done_dto(d: Pseudonymised, stale: StaleBackups) -> PseudonymisedDto {
    PseudonymisedDto {
        memos_changed: d.memos_changed,
        records_changed: d.records_changed,
        backups_with_erased_data: stale.count,
        backup_warning: stale.warning,
        sources: d
            .sources
            .into_iter()
            .map(|s| SourceDoneDto {
                source: s.source.to_string(),
                name: s.name,
                replacements: s.replacements,
                codings_moved: s.codings_moved,
                codings_dropped: s
                    .codings_dropped
                    .into_iter()
                    .map(|c| DroppedDto {
                        coding: c.coding.to_string(),
                        code: c.code,
                        start: c.start,
                        end: c.end,
                    })
                    .collect(),
                char_len: s.char_len,
            })
            .collect(),
        labels: d
            .labels
            .into_iter()
            .map(|l| LabelDto {
                label: l.label,
                category: l.category.as_str().into(),
                count: l.count,
            })
            .collect(),
        seq: d.seq,
    }
}

/// The backups an erasure left holding what it removed, for the answers
/// of a pseudonymisation and a withdrawal.
pub(super) struct StaleBackups {
    pub count: usize,
    pub warning: Option<String>,
}

pub(super) async fn stale_backups(app: &axial_app::App) -> StaleBackups {
    match app.backups_before_erasure().await {
        Ok(Some(b)) => StaleBackups {
            count: b.backups.len(),
            warning: Some(b.advice()),
        },
        Ok(None) => StaleBackups {
            count: 0,
            warning: None,
        },
        Err(e) => StaleBackups {
            count: 0,
            warning: Some(format!(
                "could not check this database's backups for the erased data ({e}); look in its backup folder and run `{}`",
                axial_app::backup::PURGE_COMMAND
            )),
        },
    }
}

async fn key_access(
    s: &AppState,
    p: &axial_core::Project,
    passphrase: String,
) -> Result<KeyAccess, ApiError> {
    if passphrase.is_empty() {
        return Err(ApiError::invalid(
            "passphrase",
            "give the key file's passphrase",
        ));
    }
    Ok(KeyAccess {
        path: s.app.key_file(p)?,
        passphrase,
    })
}

/// Proposals without the key file: patterns and capitalised words only.
#[utoipa::path(get, path = "/projects/{project}/sources/{source}/pseudonymise/proposals", tag = "pseudonymise",
    params(("project" = String, Path, description = "project id"), ("source" = String, Path, description = "source id")),
    responses((status = 200, body = ProposalsDto), (status = 404, body = crate::error::ErrorBody)))]
async fn proposals(
    State(s): State<AppState>,
    Path((project, source)): Path<(ProjectId, SourceId)>,
) -> ApiResult<ProposalsDto> {
    let p = super::project(&s, project).await?;
    let src = super::source_in(&s, &p, source).await?;
    Ok(Json(proposals_dto(
        s.app.propose_pseudonyms(&p, &src, None).await?,
    )))
}

/// Proposals using the key file's names and earlier replacements.
#[utoipa::path(post, path = "/projects/{project}/sources/{source}/pseudonymise/proposals", tag = "pseudonymise",
    request_body = PassphraseDto,
    params(("project" = String, Path, description = "project id"), ("source" = String, Path, description = "source id")),
    responses((status = 200, body = ProposalsDto),
        (status = 422, body = crate::error::ErrorBody, description = "wrong passphrase or no key file location")))]
async fn proposals_with_key(
    State(s): State<AppState>,
    Path((project, source)): Path<(ProjectId, SourceId)>,
    Json(body): Json<PassphraseDto>,
) -> ApiResult<ProposalsDto> {
    let p = super::project(&s, project).await?;
    let src = super::source_in(&s, &p, source).await?;
    let access = key_access(&s, &p, body.passphrase).await?;
    Ok(Json(proposals_dto(
        s.app.propose_pseudonyms(&p, &src, Some(&access)).await?,
    )))
}

/// Replaces the accepted proposals in one change that cannot be undone;
/// the key file is updated after it committed.
#[utoipa::path(post, path = "/projects/{project}/sources/{source}/pseudonymise", tag = "pseudonymise",
    request_body = ApplyDto,
    params(("project" = String, Path, description = "project id"), ("source" = String, Path, description = "source id")),
    responses((status = 200, body = PseudonymisedDto),
        (status = 422, body = crate::error::ErrorBody, description = "wrong passphrase, unknown proposal, stale review or bad label"),
        (status = 409, body = crate::error::ErrorBody, description = "nothing accepted")))]
async fn apply(
    State(s): State<AppState>,
    Path((project, source)): Path<(ProjectId, SourceId)>,
    Json(body): Json<ApplyDto>,
) -> ApiResult<PseudonymisedDto> {
    let p = super::project(&s, project).await?;
    let src = super::source_in(&s, &p, source).await?;
    let actor = s.actor().await?;
    let recategorise = body
        .recategorise
        .into_iter()
        .map(|r| {
            r.category
                .parse::<Category>()
                .map(|c| (r.id, c))
                .map_err(|e| ApiError::invalid("recategorise", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let decisions = Decisions {
        accept: Accept::Only(body.accept),
        reject: Vec::new(),
        replace: body.replace.into_iter().map(|r| (r.id, r.label)).collect(),
        recategorise,
        fingerprint: body.fingerprint,
    };
    let access = key_access(&s, &p, body.passphrase).await?;
    let done = s
        .app
        .pseudonymise(&actor, &p, &src, &decisions, &access)
        .await?;
    Ok(Json(done_dto(done, stale_backups(&s.app).await)))
}

/// The pseudonym labels used in the project, with how often each replaced
/// something (never the originals).
#[utoipa::path(get, path = "/projects/{project}/pseudonyms", tag = "pseudonymise",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = [LabelDto])))]
async fn pseudonyms(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<LabelDto>> {
    let p = super::project(&s, project).await?;
    Ok(Json(
        s.app
            .pseudonyms(&p)
            .await?
            .into_iter()
            .map(|t| LabelDto {
                label: t.body.label,
                category: t.body.category.as_str().into(),
                count: t.body.count,
            })
            .collect(),
    ))
}
