//! The participant register of a study: pseudonymous labels mapped to
//! cases, groups, dates, consent and status; the study's ethics details;
//! the sampling frame (targets per group, the matrix of where recruitment
//! stands, the log of sampling decisions); withdrawal; member-check packs.
//!
//! A participant is a [`RecordKind::Participant`] record keyed by its label;
//! study details, sampling targets and decisions are records too, so every
//! edit is an ordinary logged, undoable change.
//!
//! Withdrawal is the one exception: [`App::withdraw_participant`] removes
//! everything that holds the participant's words or describes them (their
//! sources and texts, codings, memo links and memo passages quoting them,
//! quotes, attribute values, set memberships, their case) in one change
//! that also blanks that content in every earlier entry of the change log,
//! and cannot be undone. The register keeps the label and the date.
//!
//! This module decides what each of those use cases changes; laying out a
//! pack is `axial_formats::report`'s job, printing is the front ends'.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use axial_core::{
    Action, Case, CaseId, Change, ChangeSet, Code, ContentHash, Entity, MemoLink, Op, Project,
    Record, RecordId, RecordKind, Scrub, SetMember, Source, SourceId, Structure, Subject, Value,
};
use axial_formats::report::{MemberCheckPack, PackItem};
use axial_store::{CodingFilter, StoreError};
use serde::{Deserialize, Serialize};

use crate::quotes::{self, Finder, Quote, QuoteStatus};
use crate::records::{self, RecordBody, Typed};
use crate::{Actor, App, AppError};

/// Where a participant stands in the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ParticipantStatus {
    #[default]
    Invited,
    Consented,
    Interviewed,
    Withdrawn,
}

impl ParticipantStatus {
    pub const ALL: [ParticipantStatus; 4] = [
        ParticipantStatus::Invited,
        ParticipantStatus::Consented,
        ParticipantStatus::Interviewed,
        ParticipantStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantStatus::Invited => "invited",
            ParticipantStatus::Consented => "consented",
            ParticipantStatus::Interviewed => "interviewed",
            ParticipantStatus::Withdrawn => "withdrawn",
        }
    }
}

impl std::fmt::Display for ParticipantStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ParticipantStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ParticipantStatus::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown participant status '{s}'; use invited, consented or interviewed")
            })
    }
}

/// What a participant consented to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConsentScope {
    /// Verbatim quotes may appear in reports.
    pub quotes: bool,
    /// The anonymised transcript may be archived for reuse.
    pub archiving: bool,
    /// Any further scope items as the form words them.
    #[serde(default)]
    pub other: Vec<String>,
}

/// One participant in the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Pseudonymous label used in reports, e.g. "Interviewee 07".
    pub label: String,
    /// The case that holds this participant's sources and attributes.
    pub case: Option<CaseId>,
    /// Sampling group, e.g. a staff group.
    #[serde(default)]
    pub group: String,
    /// ISO dates (YYYY-MM-DD), empty when not known.
    #[serde(default)]
    pub recruited_on: String,
    #[serde(default)]
    pub interviewed_on: String,
    #[serde(default)]
    pub consent_form_version: String,
    #[serde(default)]
    pub consented_on: String,
    #[serde(default)]
    pub consent: ConsentScope,
    #[serde(default)]
    pub status: ParticipantStatus,
    #[serde(default)]
    pub notes: String,
    /// The date of withdrawal (YYYY-MM-DD), empty unless withdrawn.
    #[serde(default)]
    pub withdrawn_on: String,
}

impl RecordBody for Participant {
    const KIND: RecordKind = RecordKind::Participant;
    fn key(&self) -> String {
        self.label.clone()
    }
}

impl Participant {
    /// A new participant with only a label: invited, nothing consented.
    pub fn new(label: &str) -> Participant {
        Participant {
            label: label.trim().to_string(),
            case: None,
            group: String::new(),
            recruited_on: String::new(),
            interviewed_on: String::new(),
            consent_form_version: String::new(),
            consented_on: String::new(),
            consent: ConsentScope::default(),
            status: ParticipantStatus::Invited,
            notes: String::new(),
            withdrawn_on: String::new(),
        }
    }

    /// What the register keeps of a withdrawn participant: the label, the
    /// sampling group (a category of the sampling frame, so the matrix can
    /// still count the withdrawal), the status and the date.
    fn erased(&self) -> Participant {
        Participant {
            group: self.group.clone(),
            status: self.status,
            withdrawn_on: self.withdrawn_on.clone(),
            ..Participant::new(&self.label)
        }
    }
}

/// One version of the information sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformationSheet {
    pub version: String,
    /// YYYY-MM-DD.
    pub date: String,
}

/// The study's ethics details (one per project).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Study {
    #[serde(default)]
    pub ethics_reference: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub approval_date: String,
    #[serde(default)]
    pub information_sheets: Vec<InformationSheet>,
    #[serde(default)]
    pub notes: String,
}

impl RecordBody for Study {
    const KIND: RecordKind = RecordKind::Study;
    fn key(&self) -> String {
        "study".into()
    }
}

/// Changes to the study details; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct StudyChanges {
    pub ethics_reference: Option<String>,
    pub approval_date: Option<String>,
    /// Information-sheet versions to add (a version already listed gets the new date).
    pub information_sheets: Vec<InformationSheet>,
    pub notes: Option<String>,
}

/// How many participants a sampling group should have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplingTarget {
    pub group: String,
    pub target: u32,
}

impl RecordBody for SamplingTarget {
    const KIND: RecordKind = RecordKind::SamplingTarget;
    fn key(&self) -> String {
        self.group.to_lowercase()
    }
}

/// A dated sampling decision with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplingDecision {
    /// YYYY-MM-DD.
    pub date: String,
    pub decision: String,
    pub reason: String,
}

impl RecordBody for SamplingDecision {
    const KIND: RecordKind = RecordKind::SamplingDecision;
}

/// A participant as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipantView {
    pub id: RecordId,
    pub label: String,
    /// The linked case's name.
    pub case: Option<String>,
    pub case_id: Option<CaseId>,
    pub group: String,
    pub recruited_on: String,
    pub interviewed_on: String,
    pub consent_form_version: String,
    pub consented_on: String,
    pub consent: ConsentScope,
    pub status: ParticipantStatus,
    pub notes: String,
    pub withdrawn_on: String,
    /// Names of the sources in their case.
    pub sources: Vec<String>,
    /// How many quotes of theirs are registered.
    pub quotes: usize,
    /// Send back when editing, so a concurrent edit is detected.
    pub version: u64,
}

/// Changes to a participant; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ParticipantChanges {
    pub label: Option<String>,
    /// A case name or id; empty to unlink.
    pub case: Option<String>,
    pub group: Option<String>,
    pub recruited_on: Option<String>,
    pub interviewed_on: Option<String>,
    pub consent_form_version: Option<String>,
    pub consented_on: Option<String>,
    pub quotes: Option<bool>,
    pub archiving: Option<bool>,
    pub other_scope: Option<Vec<String>>,
    pub status: Option<ParticipantStatus>,
    pub notes: Option<String>,
}

/// One row of the sampling matrix.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SamplingRow {
    pub group: String,
    pub target: Option<u32>,
    pub invited: u32,
    /// Consented, whether interviewed yet or not.
    pub consented: u32,
    pub interviewed: u32,
    pub withdrawn: u32,
    /// Consented participants still needed to reach the target.
    pub still_needed: Option<u32>,
}

/// Where recruitment stands against the sampling frame, per group.
#[derive(Debug, Clone, Serialize)]
pub struct SamplingMatrix {
    pub rows: Vec<SamplingRow>,
    pub total: SamplingRow,
}

/// A sampling decision as listed.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub id: RecordId,
    pub date: String,
    pub decision: String,
    pub reason: String,
    pub recorded_by: String,
}

/// Links removed from one memo by a withdrawal.
#[derive(Debug, Clone, Serialize)]
pub struct MemoLinkRemoval {
    pub memo: String,
    pub links: usize,
}

/// A memo passage a withdrawal replaces.
#[derive(Debug, Clone, Serialize)]
pub struct PassageRemoval {
    /// The memo's title (or "code 'NAME'" for a code's definition or example).
    pub memo: String,
    pub passage: String,
}

/// Everything a withdrawal will remove, listed before it happens; after it
/// happened, what it removed.
#[derive(Debug, Clone, Serialize)]
pub struct WithdrawalPreview {
    pub participant: String,
    pub participant_id: RecordId,
    pub case: Option<String>,
    pub sources: Vec<String>,
    pub codings: usize,
    pub memo_links: Vec<MemoLinkRemoval>,
    pub memo_passages: Vec<PassageRemoval>,
    /// Code definitions and examples that quote them.
    pub code_passages: Vec<PassageRemoval>,
    pub quotes: usize,
    /// Variable names of the case's and sources' attribute values.
    pub attribute_values: Vec<String>,
    /// Names of the sets the case or sources leave.
    pub set_memberships: Vec<String>,
    /// Other records that point at their codings or sources (placements).
    pub other_records: usize,
    /// Reports that cited them: kept, flagged "must be regenerated".
    pub reports_to_regenerate: Vec<String>,
}

/// What replaces a memo passage that quoted a withdrawn participant.
pub const PASSAGE_REMOVED: &str = "[passage removed: participant withdrew]";
const EXAMPLE_REMOVED: &str = "[example removed: participant withdrew]";
const SOURCE_REMOVED: &str = "[withdrawn source]";

/// How many times a withdrawal re-reads and retries when the project changed
/// between reading and committing.
const RETRIES: usize = 3;

fn today() -> String {
    axial_core::case::format_date(axial_core::now().date())
}

fn check_date(field: &str, s: &str) -> Result<String, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    axial_core::case::parse_date(t)
        .map(axial_core::case::format_date)
        .ok_or_else(|| AppError::invalid(format!("{field}: '{t}' is not a date (YYYY-MM-DD)")))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl App {
    /// The register, oldest entry first.
    pub async fn participants(
        &self,
        project: &Project,
    ) -> Result<Vec<Typed<Participant>>, AppError> {
        self.records_of::<Participant>(project).await
    }

    /// The register as listed, with case names, sources and quote counts.
    pub async fn participant_views(
        &self,
        project: &Project,
    ) -> Result<Vec<ParticipantView>, AppError> {
        let ps = self.participants(project).await?;
        let cases: HashMap<CaseId, String> = self
            .store()
            .cases(project.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let sources = self.store().sources(project.id).await?;
        let quotes = self.quotes(project).await?;
        Ok(ps
            .into_iter()
            .map(|p| {
                let b = p.body;
                ParticipantView {
                    id: p.record.id,
                    case: b.case.and_then(|c| cases.get(&c).cloned()),
                    case_id: b.case,
                    sources: sources
                        .iter()
                        .filter(|s| b.case.is_some() && s.case == b.case)
                        .map(|s| s.name.clone())
                        .collect(),
                    quotes: quotes
                        .iter()
                        .filter(|q| q.body.participant == Some(p.record.id))
                        .count(),
                    version: p.record.version.0,
                    label: b.label,
                    group: b.group,
                    recruited_on: b.recruited_on,
                    interviewed_on: b.interviewed_on,
                    consent_form_version: b.consent_form_version,
                    consented_on: b.consented_on,
                    consent: b.consent,
                    status: b.status,
                    notes: b.notes,
                    withdrawn_on: b.withdrawn_on,
                }
            })
            .collect())
    }

    /// A participant by label (exact, then ignoring case) or record id.
    pub async fn find_participant(
        &self,
        project: &Project,
        label: &str,
    ) -> Result<Typed<Participant>, AppError> {
        let ps = self.participants(project).await?;
        let t = label.trim();
        let pick = ps
            .iter()
            .find(|p| p.body.label == t)
            .or_else(|| ps.iter().find(|p| p.body.label.eq_ignore_ascii_case(t)))
            .or_else(|| {
                t.parse::<RecordId>()
                    .ok()
                    .and_then(|id| ps.iter().find(|p| p.id() == id))
            });
        pick.cloned().ok_or_else(|| AppError::NotFound {
            what: "participant",
            name: t.to_string(),
            hint: if ps.is_empty() {
                "the register is empty; add one with `axial participant add LABEL`".into()
            } else {
                crate::list_hint("participants", ps.iter().map(|p| p.body.label.as_str()))
            },
        })
    }

    /// Adds a participant to the register. Without a case named in
    /// `changes`, a case with the same name as the label is linked if there
    /// is one.
    pub async fn add_participant(
        &self,
        actor: &Actor,
        project: &Project,
        label: &str,
        changes: ParticipantChanges,
    ) -> Result<Typed<Participant>, AppError> {
        let label = axial_core::validate_name("participant label", label)?;
        let mut body = Participant::new(&label);
        if changes.case.is_none() {
            body.case = self
                .store()
                .cases(project.id)
                .await?
                .into_iter()
                .find(|c| c.name == label)
                .map(|c| c.id);
        }
        let body = self.apply_changes(project, None, body, changes).await?;
        self.create_record(
            actor,
            project,
            &body,
            format!("added participant '{}'", body.label),
        )
        .await
    }

    /// Edits a participant; a withdrawn participant cannot be edited, and
    /// withdrawal has its own use case.
    pub async fn edit_participant(
        &self,
        actor: &Actor,
        project: &Project,
        participant: &Typed<Participant>,
        changes: ParticipantChanges,
    ) -> Result<Typed<Participant>, AppError> {
        if participant.body.status == ParticipantStatus::Withdrawn {
            return Err(AppError::invalid(format!(
                "{} withdrew on {}; the register keeps only the label and date",
                participant.body.label, participant.body.withdrawn_on
            )));
        }
        let body = self
            .apply_changes(
                project,
                Some(participant.id()),
                participant.body.clone(),
                changes,
            )
            .await?;
        if body == participant.body {
            return Ok(participant.clone());
        }
        self.update_record(
            actor,
            project,
            participant,
            &body,
            format!("edited participant '{}'", body.label),
        )
        .await
    }

    async fn apply_changes(
        &self,
        project: &Project,
        me: Option<RecordId>,
        mut b: Participant,
        c: ParticipantChanges,
    ) -> Result<Participant, AppError> {
        if let Some(l) = c.label {
            b.label = axial_core::validate_name("participant label", &l)?;
        }
        let others: Vec<Typed<Participant>> = self
            .participants(project)
            .await?
            .into_iter()
            .filter(|p| Some(p.id()) != me)
            .collect();
        if let Some(o) = others
            .iter()
            .find(|p| p.body.label.eq_ignore_ascii_case(&b.label))
        {
            return Err(AppError::Exists(format!(
                "the register already has a participant labelled '{}'; choose another label",
                o.body.label
            )));
        }
        if let Some(case) = c.case {
            let case = case.trim();
            b.case = if case.is_empty() {
                None
            } else {
                Some(self.case_by_name_or_id(project, case).await?.id)
            };
        }
        if let Some(case) = b.case {
            if let Some(o) = others.iter().find(|p| p.body.case == Some(case)) {
                return Err(AppError::Exists(format!(
                    "that case already belongs to participant '{}'; a case holds one participant",
                    o.body.label
                )));
            }
        }
        if let Some(g) = c.group {
            b.group = g.trim().to_string();
        }
        if let Some(d) = c.recruited_on {
            b.recruited_on = check_date("recruited on", &d)?;
        }
        if let Some(d) = c.interviewed_on {
            b.interviewed_on = check_date("interviewed on", &d)?;
        }
        if let Some(v) = c.consent_form_version {
            b.consent_form_version = v.trim().to_string();
        }
        if let Some(d) = c.consented_on {
            b.consented_on = check_date("consented on", &d)?;
        }
        if let Some(q) = c.quotes {
            b.consent.quotes = q;
        }
        if let Some(a) = c.archiving {
            b.consent.archiving = a;
        }
        if let Some(o) = c.other_scope {
            b.consent.other = o
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(s) = c.status {
            if s == ParticipantStatus::Withdrawn {
                return Err(AppError::invalid(format!(
                    "withdrawal erases {}'s data; use `axial participant withdraw '{}'` (it shows what goes first)",
                    b.label, b.label
                )));
            }
            b.status = s;
        }
        if let Some(n) = c.notes {
            b.notes = n;
        }
        Ok(b)
    }

    async fn case_by_name_or_id(&self, project: &Project, name: &str) -> Result<Case, AppError> {
        let cases = self.store().cases(project.id).await?;
        if let Ok(id) = name.parse::<CaseId>() {
            if let Some(c) = cases.iter().find(|c| c.id == id) {
                return Ok(c.clone());
            }
        }
        self.find_case(project, name).await
    }

    // ---------- study details ----------

    /// The study details (empty until set).
    pub async fn study(&self, project: &Project) -> Result<Study, AppError> {
        Ok(self
            .records_of::<Study>(project)
            .await?
            .into_iter()
            .next()
            .map(|s| s.body)
            .unwrap_or_default())
    }

    /// Sets study details, creating the record on first use.
    pub async fn set_study(
        &self,
        actor: &Actor,
        project: &Project,
        changes: StudyChanges,
    ) -> Result<Study, AppError> {
        let old = self.records_of::<Study>(project).await?.into_iter().next();
        let mut b = old.as_ref().map(|o| o.body.clone()).unwrap_or_default();
        if let Some(r) = changes.ethics_reference {
            b.ethics_reference = r.trim().to_string();
        }
        if let Some(d) = changes.approval_date {
            b.approval_date = check_date("approval date", &d)?;
        }
        for s in changes.information_sheets {
            let version = s.version.trim().to_string();
            if version.is_empty() {
                return Err(AppError::invalid(
                    "an information sheet needs a version, e.g. --sheet 2.1:2023-08-01",
                ));
            }
            let date = check_date("information sheet date", &s.date)?;
            match b
                .information_sheets
                .iter_mut()
                .find(|x| x.version == version)
            {
                Some(x) => x.date = date,
                None => b
                    .information_sheets
                    .push(InformationSheet { version, date }),
            }
        }
        if let Some(n) = changes.notes {
            b.notes = n;
        }
        match old {
            Some(o) if o.body == b => Ok(b),
            Some(o) => Ok(self
                .update_record(actor, project, &o, &b, "edited the study details")
                .await?
                .body),
            None => Ok(self
                .create_record(actor, project, &b, "set the study details")
                .await?
                .body),
        }
    }

    // ---------- sampling ----------

    pub async fn sampling_targets(
        &self,
        project: &Project,
    ) -> Result<Vec<Typed<SamplingTarget>>, AppError> {
        self.records_of::<SamplingTarget>(project).await
    }

    /// Sets how many participants `group` should have (creating the target).
    pub async fn set_sampling_target(
        &self,
        actor: &Actor,
        project: &Project,
        group: &str,
        target: u32,
    ) -> Result<Typed<SamplingTarget>, AppError> {
        let group = axial_core::validate_name("sampling group", group)?;
        let existing = self
            .sampling_targets(project)
            .await?
            .into_iter()
            .find(|t| t.body.group.eq_ignore_ascii_case(&group));
        let body = SamplingTarget {
            group: existing
                .as_ref()
                .map(|e| e.body.group.clone())
                .unwrap_or(group),
            target,
        };
        let summary = format!("sampling target for '{}': {target}", body.group);
        match existing {
            Some(e) if e.body == body => Ok(e),
            Some(e) => self.update_record(actor, project, &e, &body, summary).await,
            None => self.create_record(actor, project, &body, summary).await,
        }
    }

    /// Targets against the register, per group: groups with a target first
    /// (in the order the targets were set), then other groups by name.
    pub async fn sampling_matrix(&self, project: &Project) -> Result<SamplingMatrix, AppError> {
        let targets = self.sampling_targets(project).await?;
        let ps = self.participants(project).await?;
        let mut rows: Vec<SamplingRow> = targets
            .iter()
            .map(|t| SamplingRow {
                group: t.body.group.clone(),
                target: Some(t.body.target),
                ..Default::default()
            })
            .collect();
        let mut extra: BTreeMap<String, SamplingRow> = BTreeMap::new();
        for p in &ps {
            let g = if p.body.group.trim().is_empty() {
                "(no group)".to_string()
            } else {
                p.body.group.trim().to_string()
            };
            let row = match rows.iter_mut().find(|r| r.group.eq_ignore_ascii_case(&g)) {
                Some(r) => r,
                None => extra.entry(g.clone()).or_insert_with(|| SamplingRow {
                    group: g,
                    ..Default::default()
                }),
            };
            count(row, p.body.status);
        }
        rows.extend(extra.into_values());
        let mut total = SamplingRow {
            group: "total".into(),
            ..Default::default()
        };
        for r in &mut rows {
            r.still_needed = r.target.map(|t| t.saturating_sub(r.consented));
            total.invited += r.invited;
            total.consented += r.consented;
            total.interviewed += r.interviewed;
            total.withdrawn += r.withdrawn;
            if let Some(t) = r.target {
                total.target = Some(total.target.unwrap_or(0) + t);
                total.still_needed =
                    Some(total.still_needed.unwrap_or(0) + r.still_needed.unwrap_or(0));
            }
        }
        Ok(SamplingMatrix { rows, total })
    }

    /// The sampling decisions, oldest first.
    pub async fn sampling_decisions(
        &self,
        project: &Project,
    ) -> Result<Vec<DecisionView>, AppError> {
        let users: HashMap<_, _> = self
            .store()
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok(self
            .records_of::<SamplingDecision>(project)
            .await?
            .into_iter()
            .map(|d| DecisionView {
                id: d.id(),
                recorded_by: users
                    .get(&d.record.created_by)
                    .cloned()
                    .unwrap_or_else(|| d.record.created_by.to_string()),
                date: d.body.date,
                decision: d.body.decision,
                reason: d.body.reason,
            })
            .collect())
    }

    /// Logs a sampling decision (dated today unless `date` is given).
    pub async fn record_sampling_decision(
        &self,
        actor: &Actor,
        project: &Project,
        decision: &str,
        reason: &str,
        date: Option<&str>,
    ) -> Result<Typed<SamplingDecision>, AppError> {
        let decision = decision.trim();
        if decision.is_empty() {
            return Err(AppError::invalid("say what was decided, e.g. axial sampling decide \"recruit two more receptionists\" --reason \"…\""));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid(
                "say why with --reason: a sampling decision is logged for its reason",
            ));
        }
        let date = match date {
            Some(d) if !d.trim().is_empty() => check_date("date", d)?,
            _ => today(),
        };
        let body = SamplingDecision {
            date,
            decision: decision.to_string(),
            reason: reason.to_string(),
        };
        let short: String = decision.chars().take(60).collect();
        self.create_record(actor, project, &body, format!("sampling decision: {short}"))
            .await
    }

    // ---------- withdrawal ----------

    /// What withdrawing `participant` would remove, changing nothing.
    pub async fn withdrawal_preview(
        &self,
        project: &Project,
        participant: &Typed<Participant>,
    ) -> Result<WithdrawalPreview, AppError> {
        Ok(self.withdrawal_plan(project, participant).await?.preview)
    }

    /// Withdraws a participant: removes everything listed by
    /// [`App::withdrawal_preview`] in one irreversible change that also
    /// blanks their content in every earlier entry of the change log and
    /// deletes their texts. Returns what was removed.
    pub async fn withdraw_participant(
        &self,
        actor: &Actor,
        project: &Project,
        participant: &Typed<Participant>,
    ) -> Result<WithdrawalPreview, AppError> {
        let mut current = participant.clone();
        for _ in 0..RETRIES {
            let plan = self.withdrawal_plan(project, &current).await?;
            let mut cs = ChangeSet::new(
                Some(project.id),
                actor.id(),
                Action::ParticipantWithdraw,
                plan.summary.clone(),
            );
            cs.ops = plan.ops;
            cs.scrub = Some(plan.scrub);
            cs.purge_texts = plan.purge.clone();
            match self.store().commit(cs).await {
                Ok(_) => {
                    for h in &plan.purge {
                        self.texts().forget(h);
                    }
                    return Ok(plan.preview);
                }
                Err(StoreError::Conflict { .. }) => {
                    current = self
                        .record_of::<Participant>(project, participant.id())
                        .await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy {
            what: format!("withdrawing {}", participant.body.label),
        })
    }

    async fn withdrawal_plan(
        &self,
        project: &Project,
        participant: &Typed<Participant>,
    ) -> Result<Plan, AppError> {
        let p = &participant.body;
        if p.status == ParticipantStatus::Withdrawn {
            return Err(AppError::invalid(format!(
                "{} already withdrew on {}",
                p.label, p.withdrawn_on
            )));
        }
        let store = self.store();
        let case: Option<Case> = match p.case {
            Some(id) => store
                .cases(project.id)
                .await?
                .into_iter()
                .find(|c| c.id == id),
            None => None,
        };
        let case_id = case.as_ref().map(|c| c.id);
        let sources: Vec<Source> = match case_id {
            Some(c) => store
                .sources(project.id)
                .await?
                .into_iter()
                .filter(|s| s.case == Some(c))
                .collect(),
            None => Vec::new(),
        };
        let source_ids: HashSet<SourceId> = sources.iter().map(|s| s.id).collect();
        let codings = if sources.is_empty() {
            Vec::new()
        } else {
            store
                .codings(
                    project.id,
                    &CodingFilter {
                        sources: sources.iter().map(|s| s.id).collect(),
                        ..Default::default()
                    },
                )
                .await?
        };
        let coding_ids: HashSet<_> = codings.iter().map(|c| c.id).collect();
        let mut texts = Vec::with_capacity(sources.len());
        for s in &sources {
            texts.push((s.id, self.text(s).await?));
        }
        let finder = Arc::new(Finder::new(texts));
        // The other sources' texts: a code example they hold too is not
        // this participant's alone and stays.
        let mut others = Vec::new();
        for s in store.sources(project.id).await? {
            if !source_ids.contains(&s.id) {
                others.push(quotes::normalize(&self.text(&s).await?.text));
            }
        }
        let others = Arc::new(others);

        let mut ops: Vec<Op> = Vec::new();
        let mut removed: HashSet<uuid::Uuid> = HashSet::new();
        let mut preview = WithdrawalPreview {
            participant: p.label.clone(),
            participant_id: participant.id(),
            case: case.as_ref().map(|c| c.name.clone()),
            sources: sources.iter().map(|s| s.name.clone()).collect(),
            codings: codings.len(),
            memo_links: Vec::new(),
            memo_passages: Vec::new(),
            code_passages: Vec::new(),
            quotes: 0,
            attribute_values: Vec::new(),
            set_memberships: Vec::new(),
            other_records: 0,
            reports_to_regenerate: Vec::new(),
        };

        // Memos: links to them or their codings, passages quoting them.
        for m in store.memos(project.id).await? {
            let links: Vec<MemoLink> = m
                .links
                .iter()
                .copied()
                .filter(|l| match l {
                    MemoLink::Source(s) => !source_ids.contains(s),
                    MemoLink::Coding(c) => !coding_ids.contains(c),
                    MemoLink::Case(c) => Some(*c) != case_id,
                    _ => true,
                })
                .collect();
            let lost = m.links.len() - links.len();
            let body = quotes::replace_quoting_paragraphs(&m.body, &finder, PASSAGE_REMOVED);
            if lost == 0 && body.is_none() {
                continue;
            }
            if lost > 0 {
                preview.memo_links.push(MemoLinkRemoval {
                    memo: m.title.clone(),
                    links: lost,
                });
            }
            let mut after = m.clone();
            after.links = links;
            if let Some((b, passages)) = body {
                after.body = b;
                preview
                    .memo_passages
                    .extend(passages.into_iter().map(|passage| PassageRemoval {
                        memo: m.title.clone(),
                        passage,
                    }));
            }
            after.updated_at = axial_core::now();
            ops.push(Op::update(Entity::Memo(m), Entity::Memo(after)));
        }

        // Records: their quotes, records pointing at their codings or
        // sources, and reports that cite them.
        let ids_text: Vec<String> = source_ids
            .iter()
            .map(|s| s.to_string())
            .chain(coding_ids.iter().map(|c| c.to_string()))
            .chain(case_id.map(|c| c.to_string()))
            .collect();
        let mut quote_ids = Vec::new();
        for r in store.records(project.id, None).await? {
            match r.kind {
                RecordKind::Quote => {
                    let mine = match records::parse::<Quote>(r.clone()) {
                        Ok(q) => {
                            q.body.participant == Some(participant.id())
                                || source_ids.contains(&q.body.source)
                        }
                        Err(_) => ids_text.iter().any(|id| r.body.contains(id.as_str())),
                    };
                    if mine {
                        preview.quotes += 1;
                        quote_ids.push(r.id.to_string());
                        removed.insert(r.id.as_uuid());
                        ops.push(Op::delete(Entity::Record(r)));
                    }
                }
                RecordKind::Placement if ids_text.iter().any(|id| r.body.contains(id.as_str())) => {
                    preview.other_records += 1;
                    removed.insert(r.id.as_uuid());
                    ops.push(Op::delete(Entity::Record(r)));
                }
                RecordKind::Report => {
                    let cites = contains_word(&r.body, &p.label)
                        || ids_text
                            .iter()
                            .chain(quote_ids.iter())
                            .chain(std::iter::once(&participant.id().to_string()))
                            .any(|id| r.body.contains(id.as_str()))
                        || sources.iter().any(|s| contains_word(&r.body, &s.name));
                    if cites {
                        preview.reports_to_regenerate.push(report_name(&r));
                        let mut after = r.clone();
                        after.body = flag_report(&r.body, &p.label);
                        after.updated_at = axial_core::now();
                        ops.push(Op::update(Entity::Record(r), Entity::Record(after)));
                    }
                }
                _ => {}
            }
        }

        // Attribute values of the case and the sources.
        let variables: HashMap<_, _> = store
            .variables(project.id)
            .await?
            .into_iter()
            .map(|v| (v.id, v.name))
            .collect();
        for v in store.values(project.id).await? {
            let mine = match v.subject {
                Subject::Case(c) => Some(c) == case_id,
                Subject::Source(s) => source_ids.contains(&s),
            };
            if mine {
                preview.attribute_values.push(
                    variables
                        .get(&v.variable)
                        .cloned()
                        .unwrap_or_else(|| v.variable.to_string()),
                );
                removed.insert(v.id.as_uuid());
                ops.push(Op::delete(Entity::Value(v)));
            }
        }

        // Set memberships.
        for s in store.sets(project.id).await? {
            let members: Vec<SetMember> = s
                .members
                .iter()
                .copied()
                .filter(|m| match m {
                    SetMember::Source(x) => !source_ids.contains(x),
                    SetMember::Case(x) => Some(*x) != case_id,
                    _ => true,
                })
                .collect();
            if members.len() != s.members.len() {
                preview.set_memberships.push(s.name.clone());
                let mut after = s.clone();
                after.members = members;
                ops.push(Op::update(Entity::Set(s), Entity::Set(after)));
            }
        }

        // Codings, sources, the case.
        for c in codings {
            removed.insert(c.id.as_uuid());
            ops.push(Op::delete(Entity::Coding(c)));
        }
        let mut purge: Vec<ContentHash> = Vec::new();
        for s in &sources {
            removed.insert(s.id.as_uuid());
            if !purge.contains(&s.content_hash) {
                purge.push(s.content_hash);
            }
            ops.push(Op::delete(Entity::Source(s.clone())));
        }
        if let Some(c) = &case {
            removed.insert(c.id.as_uuid());
            ops.push(Op::delete(Entity::Case(c.clone())));
        }

        // Code definitions and examples that quote them.
        for code in store.codes(project.id).await? {
            let mut after = code.clone();
            let passages = scrub_code(&mut after, &finder, &others);
            if !passages.is_empty() {
                preview
                    .code_passages
                    .extend(passages.into_iter().map(|passage| PassageRemoval {
                        memo: format!("code '{}'", code.name),
                        passage,
                    }));
                ops.push(Op::update(Entity::Code(code), Entity::Code(after)));
            }
        }

        // The register keeps the label, the group and the date.
        let mut kept = p.clone();
        kept.status = ParticipantStatus::Withdrawn;
        kept.withdrawn_on = today();
        let kept = kept.erased();
        ops.push(records::update_op(participant, &kept)?);

        let mut parts = vec![
            plural(preview.sources.len(), "source", "sources"),
            plural(preview.codings, "coding", "codings"),
        ];
        let links: usize = preview.memo_links.iter().map(|l| l.links).sum();
        for (n, one, many) in [
            (preview.memo_passages.len(), "memo passage", "memo passages"),
            (links, "memo link", "memo links"),
            (preview.code_passages.len(), "code passage", "code passages"),
            (preview.quotes, "quote", "quotes"),
            (
                preview.attribute_values.len(),
                "attribute value",
                "attribute values",
            ),
            (
                preview.set_memberships.len(),
                "set membership",
                "set memberships",
            ),
            (preview.other_records, "placement", "placements"),
        ] {
            if n > 0 {
                parts.push(plural(n, one, many));
            }
        }
        if case.is_some() {
            parts.push("the case".into());
        }
        let mut summary = format!("withdrew {}: {}", p.label, parts.join(", "));
        if !preview.reports_to_regenerate.is_empty() {
            summary.push_str(&format!(
                "; {} must be regenerated",
                plural(preview.reports_to_regenerate.len(), "report", "reports")
            ));
        }

        let mut names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        let erasure = Erasure {
            removed,
            source_names: names,
            participant: participant.id(),
            label: p.label.clone(),
            finder,
            others,
        };
        let scrub = Scrub::new(move |c: &mut Change| erasure.scrub(c));
        Ok(Plan {
            preview,
            ops,
            purge,
            scrub,
            summary,
        })
    }

    // ---------- member checking ----------

    /// The member-check pack of a participant: every quote of theirs with
    /// its context, uses and status.
    pub async fn member_check_pack(
        &self,
        project: &Project,
        participant: &Typed<Participant>,
    ) -> Result<MemberCheckPack, AppError> {
        let label = participant.body.label.clone();
        let mine = self.quotes_of(project, participant).await?;
        let views = self.views_of(project, mine.clone()).await?;
        let sources: HashMap<SourceId, Source> = self
            .store()
            .sources(project.id)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut items = Vec::with_capacity(mine.len());
        for (q, v) in mine.iter().zip(views) {
            let (before, after) = match sources.get(&q.body.source) {
                Some(s) => {
                    let t = self.text(s).await?;
                    match axial_core::Span::new(q.body.start, q.body.end, t.char_len()) {
                        Ok(span) => quotes::context_of(&t, s, span),
                        Err(_) => Default::default(),
                    }
                }
                None => Default::default(),
            };
            items.push(PackItem {
                quote: v.text,
                amended: (!q.body.amended_text.is_empty()).then(|| q.body.amended_text.clone()),
                context_before: before,
                context_after: after,
                source: v.source,
                used_in: v
                    .used_in
                    .iter()
                    .map(|u| match u.kind {
                        "memo" => format!("memo \u{2018}{}\u{2019}", u.name),
                        _ => format!("report \u{2018}{}\u{2019}", u.name),
                    })
                    .collect(),
                status: q.body.status.label().to_string(),
                note: q.body.note.clone(),
            });
        }
        let study = self.study(project).await?;
        let mut intro = vec![format!(
            "Thank you for taking part in this study. Below are the {} from your interview that we would like to quote. Each is shown with the words around it and where we use it.",
            if items.len() == 1 { "passage".to_string() } else { format!("{} passages", items.len()) }
        ), "For each quote, please tick one box. If you would like a quote changed, write the wording you prefer in the box; if you would rather it was not used, we will not use it.".to_string()];
        if !study.ethics_reference.is_empty() {
            intro.push(format!("Ethics reference: {}.", study.ethics_reference));
        }
        Ok(MemberCheckPack {
            title: format!("Member check: {label}"),
            participant: label,
            study: project.name.clone(),
            introduction: intro,
            items,
        })
    }

    /// A participant's quotes, in source order.
    pub async fn quotes_of(
        &self,
        project: &Project,
        participant: &Typed<Participant>,
    ) -> Result<Vec<Typed<Quote>>, AppError> {
        let mut qs: Vec<Typed<Quote>> = self
            .quotes(project)
            .await?
            .into_iter()
            .filter(|q| q.body.participant == Some(participant.id()))
            .collect();
        qs.sort_by_key(|q| (q.body.source, q.body.start, q.body.end));
        Ok(qs)
    }

    /// Marks a participant's quotes not sent yet as sent (after their pack
    /// went out), in one change; returns how many.
    pub async fn mark_pack_sent(
        &self,
        actor: &Actor,
        project: &Project,
        participant: &Typed<Participant>,
    ) -> Result<usize, AppError> {
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::RecordUpdate,
            format!("sent the member-check pack to {}", participant.body.label),
        );
        for q in self.quotes_of(project, participant).await? {
            if q.body.status == QuoteStatus::NotSent {
                let mut b = q.body.clone();
                b.status = QuoteStatus::Sent;
                cs.push(records::update_op(&q, &b)?);
            }
        }
        let n = cs.ops.len();
        if n > 0 {
            self.store().commit(cs).await?;
        }
        Ok(n)
    }
}

fn count(row: &mut SamplingRow, status: ParticipantStatus) {
    match status {
        ParticipantStatus::Invited => row.invited += 1,
        ParticipantStatus::Consented => row.consented += 1,
        ParticipantStatus::Interviewed => {
            row.consented += 1;
            row.interviewed += 1;
        }
        ParticipantStatus::Withdrawn => row.withdrawn += 1,
    }
}

/// A withdrawal worked out: what to show, the ops, the log scrub.
struct Plan {
    preview: WithdrawalPreview,
    ops: Vec<Op>,
    purge: Vec<ContentHash>,
    scrub: Scrub,
    summary: String,
}

/// Blanks a withdrawn participant's content in logged changes. Who, when
/// and which action stay; names, descriptions, values, memo passages and
/// record bodies about them go.
struct Erasure {
    removed: HashSet<uuid::Uuid>,
    /// Longest first, so a name that contains another is replaced whole.
    source_names: Vec<String>,
    participant: RecordId,
    label: String,
    finder: Arc<Finder>,
    /// The remaining sources' texts, normalised.
    others: Arc<Vec<String>>,
}

impl Erasure {
    fn scrub(&self, c: &mut Change) -> bool {
        let mut changed = false;
        for n in &self.source_names {
            if contains_word(&c.summary, n) {
                c.summary = replace_word(&c.summary, n, SOURCE_REMOVED);
                changed = true;
            }
        }
        for op in &mut c.ops {
            match op {
                Op::Insert { after } => changed |= self.entity(after),
                Op::Delete { before } => changed |= self.entity(before),
                Op::Update { before, after } => {
                    changed |= self.entity(before);
                    changed |= self.entity(after);
                }
            }
        }
        changed
    }

    fn entity(&self, e: &mut Entity) -> bool {
        let mine = self.removed.contains(&e.guid());
        match e {
            Entity::Source(s) if mine => {
                let blank = s.name == SOURCE_REMOVED
                    && s.description.is_empty()
                    && *s.structure == Structure::default();
                s.name = SOURCE_REMOVED.into();
                s.description.clear();
                s.structure = Arc::new(Structure::default());
                !blank
            }
            Entity::Case(c) if mine => {
                let blank = c.name == self.label && c.description.is_empty();
                c.name = self.label.clone();
                c.description.clear();
                !blank
            }
            Entity::Value(v) if mine => {
                let blank = v.value == Value::Text(String::new());
                v.value = Value::Text(String::new());
                !blank
            }
            Entity::Record(r) if r.id == self.participant => {
                let erased = match serde_json::from_str::<Participant>(&r.body) {
                    Ok(p) => serde_json::to_string(&p.erased()).unwrap_or_else(|_| "{}".into()),
                    Err(_) => "{}".into(),
                };
                let changed = r.body != erased;
                r.body = erased;
                changed
            }
            Entity::Record(r) if mine => {
                let changed = r.body != "{}";
                r.body = "{}".into();
                changed
            }
            Entity::Memo(m) => {
                match quotes::replace_quoting_paragraphs(&m.body, &self.finder, PASSAGE_REMOVED) {
                    Some((b, _)) => {
                        m.body = b;
                        true
                    }
                    None => false,
                }
            }
            Entity::Code(c) => !scrub_code(c, &self.finder, &self.others).is_empty(),
            _ => false,
        }
    }
}

/// Replaces the passages of a code's definition, criteria and example that
/// quote the finder's texts; returns them. An example that other sources
/// hold word for word too is not the withdrawn participant's alone and stays.
fn scrub_code(code: &mut Code, finder: &Finder, others: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if finder.is_empty() {
        return out;
    }
    for field in [
        &mut code.description,
        &mut code.inclusion,
        &mut code.exclusion,
    ] {
        if let Some((b, removed)) =
            quotes::replace_quoting_paragraphs(field, finder, PASSAGE_REMOVED)
        {
            *field = b;
            out.extend(removed);
        }
    }
    if code.example != EXAMPLE_REMOVED
        && !code.example.trim().is_empty()
        && (finder.contains_verbatim(&code.example) || !finder.find(&code.example).is_empty())
        && !others
            .iter()
            .any(|t| t.contains(&quotes::normalize(code.example.trim())))
    {
        out.push(std::mem::replace(&mut code.example, EXAMPLE_REMOVED.into()));
    }
    out
}

/// Whether `name` occurs in `s` not as part of a longer word.
fn contains_word(s: &str, name: &str) -> bool {
    !name.is_empty() && word_matches(s, name).next().is_some()
}

fn word_matches<'a>(s: &'a str, name: &'a str) -> impl Iterator<Item = usize> + 'a {
    s.match_indices(name).filter_map(move |(i, _)| {
        let before = s[..i].chars().next_back();
        let after = s[i + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        (!word(before) && !word(after)).then_some(i)
    })
}

fn replace_word(s: &str, name: &str, with: &str) -> String {
    let hits: Vec<usize> = word_matches(s, name).collect();
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for i in hits {
        out.push_str(&s[at..i]);
        out.push_str(with);
        at = i + name.len();
    }
    out.push_str(&s[at..]);
    out
}

/// A report record's name for the preview: its body's "name" or "title",
/// else its key, else its id.
fn report_name(r: &Record) -> String {
    let v: Option<serde_json::Value> = serde_json::from_str(&r.body).ok();
    v.as_ref()
        .and_then(|v| v.get("name").or_else(|| v.get("title")))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .filter(|n| !n.is_empty())
        .or_else(|| (!r.key.is_empty()).then(|| r.key.clone()))
        .unwrap_or_else(|| r.id.to_string())
}

/// A report body flagged "must be regenerated".
fn flag_report(body: &str, label: &str) -> String {
    let reason = format!("{label} withdrew on {}", today());
    let v = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.insert("must_regenerate".into(), serde_json::Value::Bool(true));
            m.insert(
                "regenerate_reason".into(),
                serde_json::Value::String(reason),
            );
            serde_json::Value::Object(m)
        }
        Ok(other) => serde_json::json!({
            "must_regenerate": true,
            "regenerate_reason": reason,
            "body": other,
        }),
        Err(_) => serde_json::json!({
            "must_regenerate": true,
            "regenerate_reason": reason,
        }),
    };
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SearchQuery, SegmentQuery};
    use axial_core::MemoKind;
    use axial_store::HistoryQuery;

    async fn app(dir: &std::path::Path) -> (App, Actor) {
        let db = dir.join("t.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open store");
        let app = App::new(Arc::new(store));
        let actor = app.local_user("tester").await.expect("user");
        (app, actor)
    }

    fn changes(f: impl FnOnce(&mut ParticipantChanges)) -> ParticipantChanges {
        let mut c = ParticipantChanges::default();
        f(&mut c);
        c
    }

    #[tokio::test]
    async fn register_targets_matrix_decisions_and_study() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, actor) = app(dir.path()).await;
        let p = app
            .create_project(&actor, "Register", "")
            .await
            .expect("project");
        let case = app.create_case(&actor, &p, "P01", "").await.expect("case");
        // A case named like the label is linked without being named.
        let p01 = app
            .add_participant(
                &actor,
                &p,
                "P01",
                changes(|c| {
                    c.group = Some("nurse".into());
                    c.consented_on = Some("2024-02-29".into());
                    c.status = Some(ParticipantStatus::Interviewed);
                    c.quotes = Some(true);
                }),
            )
            .await
            .expect("add");
        assert_eq!(p01.body.case, Some(case.id));
        for (label, group, status) in [
            ("P02", "nurse", ParticipantStatus::Consented),
            ("P03", "GP", ParticipantStatus::Invited),
            ("P04", "", ParticipantStatus::Interviewed),
        ] {
            app.add_participant(
                &actor,
                &p,
                label,
                changes(|c| {
                    c.group = Some(group.into());
                    c.status = Some(status);
                }),
            )
            .await
            .expect("add");
        }
        // Bad input fails clearly and changes nothing.
        let before = app.history(&p, None, 1000).await.expect("history").len();
        let dup = app
            .add_participant(&actor, &p, "p01", ParticipantChanges::default())
            .await
            .expect_err("duplicate label");
        assert!(
            dup.to_string().contains("already has a participant"),
            "{dup}"
        );
        let bad = app
            .add_participant(
                &actor,
                &p,
                "P05",
                changes(|c| c.recruited_on = Some("2023-02-30".into())),
            )
            .await
            .expect_err("bad date");
        assert!(bad.to_string().contains("not a date"), "{bad}");
        let taken = app
            .add_participant(&actor, &p, "P06", changes(|c| c.case = Some("P01".into())))
            .await
            .expect_err("case taken");
        assert!(taken.to_string().contains("already belongs"), "{taken}");
        let w = app
            .edit_participant(
                &actor,
                &p,
                &p01,
                changes(|c| c.status = Some(ParticipantStatus::Withdrawn)),
            )
            .await
            .expect_err("withdraw by edit");
        assert!(w.to_string().contains("participant withdraw"), "{w}");
        assert_eq!(app.history(&p, None, 1000).await.expect("h").len(), before);

        let edited = app
            .edit_participant(
                &actor,
                &p,
                &p01,
                changes(|c| c.notes = Some("prefers email".into())),
            )
            .await
            .expect("edit");
        assert_eq!(edited.body.notes, "prefers email");
        assert_eq!(
            app.find_participant(&p, "p01")
                .await
                .expect("find")
                .body
                .notes,
            "prefers email"
        );

        app.set_sampling_target(&actor, &p, "nurse", 3)
            .await
            .expect("target");
        app.set_sampling_target(&actor, &p, "Nurse", 4)
            .await
            .expect("same target, new number");
        app.set_sampling_target(&actor, &p, "manager", 2)
            .await
            .expect("target");
        let m = app.sampling_matrix(&p).await.expect("matrix");
        let row = |g: &str| m.rows.iter().find(|r| r.group == g).cloned().expect(g);
        assert_eq!(m.rows.len(), 4, "{m:?}");
        assert_eq!(m.rows[0].group, "nurse");
        assert_eq!(
            row("nurse"),
            SamplingRow {
                group: "nurse".into(),
                target: Some(4),
                invited: 0,
                consented: 2,
                interviewed: 1,
                withdrawn: 0,
                still_needed: Some(2),
            }
        );
        assert_eq!(row("manager").still_needed, Some(2));
        assert_eq!(row("GP").invited, 1);
        assert_eq!(row("(no group)").interviewed, 1);
        assert_eq!(m.total.target, Some(6));
        assert_eq!(m.total.consented, 3);

        app.record_sampling_decision(&actor, &p, "recruit a GP", "", None)
            .await
            .expect_err("a decision needs a reason");
        app.record_sampling_decision(
            &actor,
            &p,
            "recruit a GP",
            "no clinician voice yet",
            Some("2024-03-01"),
        )
        .await
        .expect("decision");
        let d = app.sampling_decisions(&p).await.expect("decisions");
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].date.as_str(), d[0].recorded_by.as_str()),
            ("2024-03-01", "tester")
        );

        let study = app
            .set_study(
                &actor,
                &p,
                StudyChanges {
                    ethics_reference: Some("REC 1".into()),
                    approval_date: Some("2023-01-05".into()),
                    information_sheets: vec![InformationSheet {
                        version: "1.0".into(),
                        date: "2023-01-05".into(),
                    }],
                    notes: None,
                },
            )
            .await
            .expect("study");
        assert_eq!(study.information_sheets.len(), 1);
        let study = app
            .set_study(
                &actor,
                &p,
                StudyChanges {
                    information_sheets: vec![InformationSheet {
                        version: "1.1".into(),
                        date: "2023-06-01".into(),
                    }],
                    ..Default::default()
                },
            )
            .await
            .expect("study again");
        assert_eq!(study.ethics_reference, "REC 1");
        assert_eq!(
            app.study(&p).await.expect("read").information_sheets.len(),
            2
        );
        assert_eq!(app.records_of::<Study>(&p).await.expect("records").len(), 1);
    }

    /// A stand-in for a report record written by the report use cases.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct ReportStub {
        name: String,
        cites: Vec<String>,
    }

    impl RecordBody for ReportStub {
        const KIND: RecordKind = RecordKind::Report;
    }

    /// Sentences of at least 40 characters, without speaker labels.
    fn sentences(text: &str) -> Vec<String> {
        text.lines()
            .map(|l| l.split_once(": ").map_or(l, |(_, rest)| rest))
            .flat_map(|l| l.split_inclusive(['.', '?', '!']))
            .map(|s| s.trim().to_string())
            .filter(|s| s.chars().count() >= 40)
            .collect()
    }

    #[tokio::test]
    async fn withdrawal_on_the_demo_leaves_nothing_of_the_participant() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, actor) = app(dir.path()).await;
        let (p, _) = app.build_demo(&|_| {}).await.expect("demo");
        let who = app
            .find_participant(&p, "Interviewee 07")
            .await
            .expect("p07");
        let source = app.find_source(&p, "interview-07").await.expect("source");
        let text = app.text(&source).await.expect("text").text.clone();
        let mut others = String::new();
        for s in app.sources(&p).await.expect("sources") {
            if s.id != source.id {
                others.push_str(&app.text(&s).await.expect("text").text);
                others.push('\n');
            }
        }
        // Sentences only they said (a sentence other transcripts hold too
        // is not theirs alone, and stays with the others).
        let theirs: Vec<String> = sentences(&text)
            .into_iter()
            .filter(|s| !others.contains(s.as_str()))
            .collect();
        assert!(theirs.len() > 10, "{theirs:?}");
        let distinctive = theirs
            .iter()
            .max_by_key(|s| s.chars().count())
            .cloned()
            .expect("a sentence only interview 07 has");

        // A memo quoting them, linked to one of their codings; a quote; a
        // report citing them.
        let coding = app
            .store()
            .codings(p.id, &CodingFilter::source(source.id))
            .await
            .expect("codings")[0]
            .clone();
        let memo = app
            .create_memo(
                &actor,
                &p,
                "Knowing it went well",
                &format!("An opening thought.\n\nOne put it plainly: {distinctive} That says a lot.\n\nA closing thought."),
                MemoKind::Theoretical,
                vec![MemoLink::Coding(coding.id), MemoLink::Project],
            )
            .await
            .expect("memo");
        let scan = app.scan_quotes(&actor, &p).await.expect("scan");
        assert!(scan.created >= 1, "{scan:?}");
        assert!(scan
            .quotes
            .iter()
            .any(|q| q.participant.as_deref() == Some("Interviewee 07")));
        app.create_record(
            &actor,
            &p,
            &ReportStub {
                name: "Interim findings".into(),
                cites: vec!["Interviewee 07".into()],
            },
            "wrote a report",
        )
        .await
        .expect("report");
        let log = |app: App| async move {
            app.store()
                .history(&HistoryQuery {
                    project: Some(p.id),
                    author: None,
                    before: None,
                    limit: 100_000,
                })
                .await
                .expect("history")
        };
        assert!(
            log(app.clone())
                .await
                .iter()
                .any(|c| format!("{c:?}").contains(&distinctive)),
            "the memo put the sentence in the log"
        );

        let preview = app.withdrawal_preview(&p, &who).await.expect("preview");
        assert_eq!(preview.sources, vec!["interview-07".to_string()]);
        assert_eq!(preview.case.as_deref(), Some("Interviewee 07"));
        assert!(preview.codings > 10, "{preview:?}");
        assert_eq!(preview.memo_passages.len(), 1, "{preview:?}");
        assert!(preview.memo_passages[0].passage.contains(&distinctive));
        assert!(preview
            .memo_links
            .iter()
            .any(|l| l.memo == "Knowing it went well"));
        assert!(preview.quotes >= 1);
        assert_eq!(preview.attribute_values.len(), 6, "{preview:?}");
        assert_eq!(preview.set_memberships, vec!["Interviews".to_string()]);
        assert_eq!(
            preview.reports_to_regenerate,
            vec!["Interim findings".to_string()]
        );
        // The preview changed nothing.
        assert!(app.find_source(&p, "interview-07").await.is_ok());

        let done = app
            .withdraw_participant(&actor, &p, &who)
            .await
            .expect("withdraw");
        assert_eq!(done.codings, preview.codings);

        // The register keeps the label, group and date only.
        let after = app
            .find_participant(&p, "Interviewee 07")
            .await
            .expect("kept");
        assert_eq!(after.body.status, ParticipantStatus::Withdrawn);
        assert_eq!(after.body.withdrawn_on, today());
        assert_eq!(after.body.case, None);
        assert!(after.body.consented_on.is_empty() && after.body.interviewed_on.is_empty());
        let m = app.sampling_matrix(&p).await.expect("matrix");
        assert_eq!(m.total.withdrawn, 1);
        // The memo keeps its other paragraphs and its project link.
        let memo = app.store().memo(memo.id).await.expect("memo");
        assert_eq!(
            memo.body,
            format!("An opening thought.\n\n{PASSAGE_REMOVED}\n\nA closing thought.")
        );
        assert_eq!(memo.links, vec![MemoLink::Project]);
        assert!(app.quotes_of(&p, &after).await.expect("quotes").is_empty());
        let report = app.records_of::<ReportStub>(&p).await.expect("reports");
        assert!(report[0].record.body.contains("\"must_regenerate\":true"));

        // Nothing of them remains: snapshot, search, segments, texts, export, log.
        let snap = format!("{:?}", app.store().snapshot(p.id).await.expect("snapshot"));
        assert!(!snap.contains(&distinctive));
        assert!(!snap.contains("interview-07"));
        let hits = app
            .search(
                &p,
                &SearchQuery {
                    pattern: distinctive.clone(),
                    ..Default::default()
                },
            )
            .await
            .expect("search");
        assert!(hits.is_empty(), "{hits:?}");
        let codes: Vec<_> = app
            .codes(&p)
            .await
            .expect("codes")
            .iter()
            .map(|c| c.id)
            .collect();
        let segs = app
            .segments(
                &p,
                &SegmentQuery {
                    codes,
                    ..Default::default()
                },
            )
            .await
            .expect("segments");
        assert!(!segs.is_empty());
        assert!(segs.iter().all(|s| s.source_id != source.id));
        assert!(app.texts().lookup(&source.content_hash).is_none());
        assert!(matches!(
            app.store().text(source.content_hash).await,
            Err(StoreError::MissingText { .. })
        ));
        let qdpx = app.export_qdpx_bytes(&p).await.expect("export");
        let (bundle, _) = axial_formats::refi::read_qdpx(
            std::io::Cursor::new(qdpx),
            &axial_formats::refi::ImportOptions::new(actor.id(), axial_core::now()),
        )
        .expect("read back");
        let bundle = format!("{bundle:?}");
        assert!(!bundle.contains(&distinctive) && !bundle.contains("interview-07"));
        let history = log(app.clone()).await;
        for c in &history {
            let d = format!("{c:?}");
            assert!(
                !d.contains("interview-07"),
                "source name in change {}",
                c.seq
            );
            for s in &theirs {
                assert!(
                    !d.contains(s.as_str()),
                    "'{s}' in change {}: {}",
                    c.seq,
                    c.summary
                );
            }
        }
        let w = &history[0];
        assert_eq!(w.action, Action::ParticipantWithdraw);
        assert!(
            w.summary.starts_with("withdrew Interviewee 07: 1 source, "),
            "{}",
            w.summary
        );
        assert!(
            w.summary.ends_with("; 1 report must be regenerated"),
            "{}",
            w.summary
        );
        let undo = app.undo(&actor, &p).await.expect_err("irreversible");
        assert!(undo.to_string().contains("cannot be undone"), "{undo}");
        app.withdraw_participant(&actor, &p, &after)
            .await
            .expect_err("only once");

        // Not in the database file either, once the store is closed.
        app.store().close().await;
        let bytes = std::fs::read(dir.path().join("t.db")).expect("read db");
        let needle = distinctive.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the sentence is still in the database file"
        );
        let wal = dir.path().join("t.db-wal");
        if wal.exists() {
            let wal = std::fs::read(wal).expect("read wal");
            assert!(!wal.windows(needle.len()).any(|w| w == needle));
        }
    }
}
