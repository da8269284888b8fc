//! The participant register of a study: pseudonymous labels mapped to
//! cases, groups, dates, consent and status.
//!
//! A participant is a [`RecordKind::Participant`] record keyed by its label.
//! This module owns the body type; the register's use cases (create, edit,
//! sampling matrix, withdrawal) build on it.

use axial_core::{CaseId, RecordKind};
use serde::{Deserialize, Serialize};

use crate::records::RecordBody;

/// Where a participant stands in the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ParticipantStatus {
    #[default]
    Invited,
    Consented,
    Interviewed,
    Withdrawn,
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
}

impl RecordBody for Participant {
    const KIND: RecordKind = RecordKind::Participant;
    fn key(&self) -> String {
        self.label.clone()
    }
}
