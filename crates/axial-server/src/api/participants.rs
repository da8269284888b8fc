//! `/projects/{project}/participants`, `/study` and `/sampling`: the
//! participant register (list, add, edit), withdrawal (a preview, then the
//! irreversible change), member-check packs as downloads, the study's
//! ethics details, sampling targets, the sampling matrix and the decisions
//! log. Rules and erasure are the app's; this module maps JSON.

use axial_app::participants::{
    ConsentScope, DecisionView, InformationSheet, Participant, ParticipantChanges,
    ParticipantStatus, ParticipantView, SamplingMatrix, SamplingRow, Study, StudyChanges,
    WithdrawalPreview,
};
use axial_app::records::Typed;
use axial_core::{Project, ProjectId, RecordId, Version};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path, Query};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update))
        .routes(routes!(withdraw_preview))
        .routes(routes!(withdraw))
        .routes(routes!(pack))
        .routes(routes!(study, set_study))
        .routes(routes!(sampling))
        .routes(routes!(set_target))
        .routes(routes!(decide))
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Default)]
pub(crate) struct ConsentDto {
    /// Verbatim quotes may appear in reports.
    quotes: bool,
    /// The anonymised transcript may be archived.
    archiving: bool,
    /// Further items as the form words them.
    #[serde(default)]
    other: Vec<String>,
}

impl From<ConsentScope> for ConsentDto {
    fn from(c: ConsentScope) -> ConsentDto {
        ConsentDto {
            quotes: c.quotes,
            archiving: c.archiving,
            other: c.other,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ParticipantDto {
    id: String,
    label: String,
    /// The linked case's name and id.
    case: Option<String>,
    case_id: Option<String>,
    group: String,
    /// Dates are YYYY-MM-DD or empty.
    recruited_on: String,
    interviewed_on: String,
    consent_form_version: String,
    consented_on: String,
    consent: ConsentDto,
    /// invited, consented, interviewed or withdrawn.
    status: String,
    notes: String,
    withdrawn_on: String,
    /// Names of the sources in their case.
    sources: Vec<String>,
    /// Registered quotes of theirs.
    quotes: usize,
    /// Send back when editing.
    version: u64,
}

fn participant_dto(v: ParticipantView) -> ParticipantDto {
    ParticipantDto {
        id: v.id.to_string(),
        label: v.label,
        case: v.case,
        case_id: v.case_id.map(|c| c.to_string()),
        group: v.group,
        recruited_on: v.recruited_on,
        interviewed_on: v.interviewed_on,
        consent_form_version: v.consent_form_version,
        consented_on: v.consented_on,
        consent: v.consent.into(),
        status: v.status.to_string(),
        notes: v.notes,
        withdrawn_on: v.withdrawn_on,
        sources: v.sources,
        quotes: v.quotes,
        version: v.version,
    }
}

/// Register fields; those left out do not change.
#[derive(Deserialize, ToSchema, Default)]
struct FieldsDto {
    /// A case name or id ("" to unlink).
    case: Option<String>,
    group: Option<String>,
    recruited_on: Option<String>,
    interviewed_on: Option<String>,
    consent_form_version: Option<String>,
    consented_on: Option<String>,
    consent: Option<ConsentDto>,
    /// invited, consented or interviewed (withdrawal has its own route).
    status: Option<String>,
    notes: Option<String>,
}

impl FieldsDto {
    fn changes(self, label: Option<String>) -> Result<ParticipantChanges, ApiError> {
        let status = self
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ParticipantStatus>()
                    .map_err(|e| ApiError::invalid("status", e))
            })
            .transpose()?;
        Ok(ParticipantChanges {
            label,
            case: self.case,
            group: self.group,
            recruited_on: self.recruited_on,
            interviewed_on: self.interviewed_on,
            consent_form_version: self.consent_form_version,
            consented_on: self.consented_on,
            quotes: self.consent.as_ref().map(|c| c.quotes),
            archiving: self.consent.as_ref().map(|c| c.archiving),
            other_scope: self.consent.map(|c| c.other),
            status,
            notes: self.notes,
        })
    }
}

#[derive(Deserialize, ToSchema)]
struct NewParticipantDto {
    label: String,
    #[serde(flatten)]
    fields: FieldsDto,
}

#[derive(Deserialize, ToSchema)]
struct ParticipantChangesDto {
    /// The version the editor started from.
    version: u64,
    label: Option<String>,
    #[serde(flatten)]
    fields: FieldsDto,
}

async fn view(s: &AppState, p: &Project, id: RecordId) -> Result<ParticipantDto, ApiError> {
    s.app
        .participant_views(p)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .map(participant_dto)
        .ok_or_else(|| ApiError::not_found(format!("no participant with id {id}")))
}

async fn find(s: &AppState, p: &Project, id: RecordId) -> Result<Typed<Participant>, ApiError> {
    Ok(s.app.record_of::<Participant>(p, id).await?)
}

#[utoipa::path(get, path = "/projects/{project}/participants", tag = "participants",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = [ParticipantDto], description = "the register, oldest entry first")))]
async fn list(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<ParticipantDto>> {
    let p = super::project(&s, project).await?;
    Ok(Json(
        s.app
            .participant_views(&p)
            .await?
            .into_iter()
            .map(participant_dto)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/projects/{project}/participants", tag = "participants", request_body = NewParticipantDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = ParticipantDto), (status = 409, body = crate::error::ErrorBody, description = "label taken"), (status = 422, body = crate::error::ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<NewParticipantDto>,
) -> Result<(StatusCode, Json<ParticipantDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let t = s
        .app
        .add_participant(&actor, &p, &body.label, body.fields.changes(None)?)
        .await?;
    Ok((StatusCode::CREATED, Json(view(&s, &p, t.id()).await?)))
}

#[utoipa::path(get, path = "/projects/{project}/participants/{participant}", tag = "participants",
    params(("project" = String, Path, description = "project id"), ("participant" = String, Path, description = "participant (record) id")),
    responses((status = 200, body = ParticipantDto), (status = 404, body = crate::error::ErrorBody)))]
async fn one(
    State(s): State<AppState>,
    Path((project, id)): Path<(ProjectId, RecordId)>,
) -> ApiResult<ParticipantDto> {
    let p = super::project(&s, project).await?;
    find(&s, &p, id).await?;
    Ok(Json(view(&s, &p, id).await?))
}

#[utoipa::path(patch, path = "/projects/{project}/participants/{participant}", tag = "participants", request_body = ParticipantChangesDto,
    params(("project" = String, Path, description = "project id"), ("participant" = String, Path, description = "participant (record) id")),
    responses((status = 200, body = ParticipantDto), (status = 409, body = crate::error::ErrorBody, description = "changed by someone else since `version`")))]
async fn update(
    State(s): State<AppState>,
    Path((project, id)): Path<(ProjectId, RecordId)>,
    Json(body): Json<ParticipantChangesDto>,
) -> ApiResult<ParticipantDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let current = find(&s, &p, id).await?;
    if current.record.version != Version(body.version) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "participant '{}' was changed elsewhere since you opened it (your version {}, now {}); reload and edit again",
                current.body.label, body.version, current.record.version
            ),
        ));
    }
    let changes = body.fields.changes(body.label)?;
    s.app
        .edit_participant(&actor, &p, &current, changes)
        .await?;
    Ok(Json(view(&s, &p, id).await?))
}

#[derive(Serialize, ToSchema)]
struct LinkRemovalDto {
    memo: String,
    links: usize,
}

#[derive(Serialize, ToSchema)]
struct PassageDto {
    /// The memo's title, or "code 'NAME'".
    memo: String,
    passage: String,
}

/// What a withdrawal removes (the preview), or removed.
#[derive(Serialize, ToSchema)]
struct WithdrawalDto {
    participant: String,
    participant_id: String,
    case: Option<String>,
    sources: Vec<String>,
    codings: usize,
    memo_links: Vec<LinkRemovalDto>,
    memo_passages: Vec<PassageDto>,
    code_passages: Vec<PassageDto>,
    quotes: usize,
    /// Variable names.
    attribute_values: Vec<String>,
    /// Set names.
    set_memberships: Vec<String>,
    other_records: usize,
    /// Kept, flagged "must be regenerated".
    reports_to_regenerate: Vec<String>,
    /// False for a preview.
    withdrawn: bool,
    /// After a withdrawal: backups of this database taken before it, which
    /// still hold the erased data (0 for a preview).
    backups_with_erased_data: usize,
    /// What to do about them (`axial backup purge --before-erasure`).
    backup_warning: Option<String>,
}

fn withdrawal_dto(w: WithdrawalPreview, withdrawn: bool) -> WithdrawalDto {
    let passage = |p: axial_app::participants::PassageRemoval| PassageDto {
        memo: p.memo,
        passage: p.passage,
    };
    WithdrawalDto {
        participant: w.participant,
        participant_id: w.participant_id.to_string(),
        case: w.case,
        sources: w.sources,
        codings: w.codings,
        memo_links: w
            .memo_links
            .into_iter()
            .map(|l| LinkRemovalDto {
                memo: l.memo,
                links: l.links,
            })
            .collect(),
        memo_passages: w.memo_passages.into_iter().map(passage).collect(),
        code_passages: w.code_passages.into_iter().map(passage).collect(),
        quotes: w.quotes,
        attribute_values: w.attribute_values,
        set_memberships: w.set_memberships,
        other_records: w.other_records,
        reports_to_regenerate: w.reports_to_regenerate,
        withdrawn,
        backups_with_erased_data: 0,
        backup_warning: None,
    }
}

#[utoipa::path(post, path = "/projects/{project}/participants/{participant}/withdraw/preview", tag = "participants",
    params(("project" = String, Path, description = "project id"), ("participant" = String, Path, description = "participant (record) id")),
    responses((status = 200, body = WithdrawalDto, description = "what a withdrawal would remove; nothing changes")))]
async fn withdraw_preview(
    State(s): State<AppState>,
    Path((project, id)): Path<(ProjectId, RecordId)>,
) -> ApiResult<WithdrawalDto> {
    let p = super::project(&s, project).await?;
    let who = find(&s, &p, id).await?;
    let preview = s.app.withdrawal_preview(&p, &who).await?;
    Ok(Json(withdrawal_dto(preview, false)))
}

#[derive(Deserialize, ToSchema)]
struct ConfirmDto {
    /// Must be true: the withdrawal erases data and cannot be undone.
    #[serde(default)]
    confirm: bool,
}

#[utoipa::path(post, path = "/projects/{project}/participants/{participant}/withdraw", tag = "participants", request_body = ConfirmDto,
    params(("project" = String, Path, description = "project id"), ("participant" = String, Path, description = "participant (record) id")),
    responses((status = 200, body = WithdrawalDto, description = "what was removed"), (status = 422, body = crate::error::ErrorBody, description = "not confirmed, or already withdrawn")))]
async fn withdraw(
    State(s): State<AppState>,
    Path((project, id)): Path<(ProjectId, RecordId)>,
    Json(body): Json<ConfirmDto>,
) -> ApiResult<WithdrawalDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let who = find(&s, &p, id).await?;
    if !body.confirm {
        return Err(ApiError::invalid(
            "confirm",
            format!(
                "withdrawing {} erases their data and cannot be undone; send {{\"confirm\": true}} after reviewing the preview",
                who.body.label
            ),
        ));
    }
    let done = s.app.withdraw_participant(&actor, &p, &who).await?;
    let stale = super::pseudonymise::stale_backups(&s.app).await;
    Ok(Json(WithdrawalDto {
        backups_with_erased_data: stale.count,
        backup_warning: stale.warning,
        ..withdrawal_dto(done, true)
    }))
}

#[derive(Deserialize, IntoParams)]
struct PackParams {
    /// html (default) or docx.
    format: Option<String>,
}

#[utoipa::path(get, path = "/projects/{project}/participants/{participant}/pack", tag = "participants",
    params(("project" = String, Path, description = "project id"), ("participant" = String, Path, description = "participant (record) id"), PackParams),
    responses((status = 200, description = "the member-check pack", content_type = "application/octet-stream", body = Vec<u8>)))]
async fn pack(
    State(s): State<AppState>,
    Path((project, id)): Path<(ProjectId, RecordId)>,
    Query(q): Query<PackParams>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    let who = find(&s, &p, id).await?;
    let pack = s.app.member_check_pack(&p, &who).await?;
    let format = q.format.unwrap_or_else(|| "html".into());
    let report = |e: axial_formats::report::ReportError| ApiError::internal(e);
    let (bytes, ctype, ext) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let mut out = Vec::new();
        match format.as_str() {
            "html" => {
                axial_formats::report::write_pack_html(&pack, &mut out).map_err(report)?;
                Ok((out, "text/html; charset=utf-8", "html"))
            }
            "docx" => {
                axial_formats::report::write_pack_docx(&pack, std::io::Cursor::new(&mut out))
                    .map_err(report)?;
                Ok((
                    out,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "docx",
                ))
            }
            other => Err(ApiError::invalid(
                "format",
                format!("unknown pack format '{other}'; use html or docx"),
            )),
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("pack task failed: {e}")))??;
    let safe: String = format!("member-check-{}.{ext}", who.body.label)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

// ---------- study ----------

#[derive(Serialize, Deserialize, ToSchema)]
struct SheetDto {
    version: String,
    /// YYYY-MM-DD.
    date: String,
}

#[derive(Serialize, ToSchema)]
struct StudyDto {
    ethics_reference: String,
    approval_date: String,
    information_sheets: Vec<SheetDto>,
    notes: String,
}

fn study_dto(s: Study) -> StudyDto {
    StudyDto {
        ethics_reference: s.ethics_reference,
        approval_date: s.approval_date,
        information_sheets: s
            .information_sheets
            .into_iter()
            .map(|x| SheetDto {
                version: x.version,
                date: x.date,
            })
            .collect(),
        notes: s.notes,
    }
}

#[derive(Deserialize, ToSchema)]
struct StudyChangesDto {
    ethics_reference: Option<String>,
    approval_date: Option<String>,
    /// Versions to add (a version already listed gets the new date).
    #[serde(default)]
    information_sheets: Vec<SheetDto>,
    notes: Option<String>,
}

#[utoipa::path(get, path = "/projects/{project}/study", tag = "participants",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = StudyDto)))]
async fn study(State(s): State<AppState>, Path(project): Path<ProjectId>) -> ApiResult<StudyDto> {
    let p = super::project(&s, project).await?;
    Ok(Json(study_dto(s.app.study(&p).await?)))
}

#[utoipa::path(put, path = "/projects/{project}/study", tag = "participants", request_body = StudyChangesDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = StudyDto), (status = 422, body = crate::error::ErrorBody)))]
async fn set_study(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<StudyChangesDto>,
) -> ApiResult<StudyDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let st = s
        .app
        .set_study(
            &actor,
            &p,
            StudyChanges {
                ethics_reference: body.ethics_reference,
                approval_date: body.approval_date,
                information_sheets: body
                    .information_sheets
                    .into_iter()
                    .map(|x| InformationSheet {
                        version: x.version,
                        date: x.date,
                    })
                    .collect(),
                notes: body.notes,
            },
        )
        .await?;
    Ok(Json(study_dto(st)))
}

// ---------- sampling ----------

#[derive(Serialize, ToSchema)]
struct RowDto {
    group: String,
    target: Option<u32>,
    invited: u32,
    /// Consented, whether interviewed yet or not.
    consented: u32,
    interviewed: u32,
    withdrawn: u32,
    /// Consented participants still needed to reach the target.
    still_needed: Option<u32>,
}

fn row_dto(r: SamplingRow) -> RowDto {
    RowDto {
        group: r.group,
        target: r.target,
        invited: r.invited,
        consented: r.consented,
        interviewed: r.interviewed,
        withdrawn: r.withdrawn,
        still_needed: r.still_needed,
    }
}

#[derive(Serialize, ToSchema)]
struct DecisionDto {
    id: String,
    date: String,
    decision: String,
    reason: String,
    recorded_by: String,
}

fn decision_dto(d: DecisionView) -> DecisionDto {
    DecisionDto {
        id: d.id.to_string(),
        date: d.date,
        decision: d.decision,
        reason: d.reason,
        recorded_by: d.recorded_by,
    }
}

#[derive(Serialize, ToSchema)]
struct SamplingDto {
    /// Per group: groups with a target first, then the others.
    rows: Vec<RowDto>,
    total: RowDto,
    /// The decisions log, oldest first.
    decisions: Vec<DecisionDto>,
}

fn sampling_dto(m: SamplingMatrix, d: Vec<DecisionView>) -> SamplingDto {
    SamplingDto {
        rows: m.rows.into_iter().map(row_dto).collect(),
        total: row_dto(m.total),
        decisions: d.into_iter().map(decision_dto).collect(),
    }
}

#[utoipa::path(get, path = "/projects/{project}/sampling", tag = "participants",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = SamplingDto, description = "the sampling matrix and the decisions log")))]
async fn sampling(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<SamplingDto> {
    let p = super::project(&s, project).await?;
    Ok(Json(sampling_dto(
        s.app.sampling_matrix(&p).await?,
        s.app.sampling_decisions(&p).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
struct TargetDto {
    group: String,
    target: u32,
}

#[utoipa::path(put, path = "/projects/{project}/sampling/targets", tag = "participants", request_body = TargetDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = SamplingDto, description = "the matrix with the new target")))]
async fn set_target(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<TargetDto>,
) -> ApiResult<SamplingDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    s.app
        .set_sampling_target(&actor, &p, &body.group, body.target)
        .await?;
    Ok(Json(sampling_dto(
        s.app.sampling_matrix(&p).await?,
        s.app.sampling_decisions(&p).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
struct NewDecisionDto {
    decision: String,
    reason: String,
    /// YYYY-MM-DD (default today).
    date: Option<String>,
}

#[utoipa::path(post, path = "/projects/{project}/sampling/decisions", tag = "participants", request_body = NewDecisionDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 201, body = DecisionDto), (status = 422, body = crate::error::ErrorBody)))]
async fn decide(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<NewDecisionDto>,
) -> Result<(StatusCode, Json<DecisionDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let d = s
        .app
        .record_sampling_decision(
            &actor,
            &p,
            &body.decision,
            &body.reason,
            body.date.as_deref(),
        )
        .await?;
    let v = s
        .app
        .sampling_decisions(&p)
        .await?
        .into_iter()
        .find(|x| x.id == d.id())
        .ok_or_else(|| ApiError::internal("a new sampling decision was not found"))?;
    Ok((StatusCode::CREATED, Json(decision_dto(v))))
}
