//! Project records: the study's own bookkeeping that is neither text nor
//! code, kept as typed JSON documents in one generic store table.
//!
//! A [`Record`] has a closed [`RecordKind`], an optional `key` (unique among
//! the project's records of that kind when not empty: a participant's label,
//! a member's user id) and a JSON `body` whose shape belongs to the layer
//! that defines the kind (`axial-app`). Records go through the change log
//! like every other entity, so they have history, undo and an audit trail.
//! This module does not interpret bodies.

use std::fmt;
use std::str::FromStr;

use crate::change::Version;
use crate::id::{ProjectId, RecordId, UserId};
use crate::Timestamp;

/// What a record is. Closed: a new kind is a code change, so every store
/// and reader agrees on the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// Study details: ethics reference, information-sheet versions.
    Study,
    /// A participant in the register (key: pseudonymous label).
    Participant,
    /// A sampling-frame target: how many participants a group should have.
    SamplingTarget,
    /// A dated sampling decision with its reason.
    SamplingDecision,
    /// A project member and their role (key: user id).
    Member,
    /// A quote used in a memo or report, with its member-check status.
    Quote,
    /// A property of a category with its dimension's two poles.
    Property,
    /// A coding placed on a property's dimension.
    Placement,
    /// A pseudonym used in replacements (key: the replacement label); never
    /// holds the original.
    Pseudonym,
    /// A saved coding query.
    SavedQuery,
    /// A report produced from the project (for regeneration flags).
    Report,
}

impl RecordKind {
    pub const ALL: [RecordKind; 11] = [
        RecordKind::Study,
        RecordKind::Participant,
        RecordKind::SamplingTarget,
        RecordKind::SamplingDecision,
        RecordKind::Member,
        RecordKind::Quote,
        RecordKind::Property,
        RecordKind::Placement,
        RecordKind::Pseudonym,
        RecordKind::SavedQuery,
        RecordKind::Report,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Study => "study",
            RecordKind::Participant => "participant",
            RecordKind::SamplingTarget => "sampling_target",
            RecordKind::SamplingDecision => "sampling_decision",
            RecordKind::Member => "member",
            RecordKind::Quote => "quote",
            RecordKind::Property => "property",
            RecordKind::Placement => "placement",
            RecordKind::Pseudonym => "pseudonym",
            RecordKind::SavedQuery => "saved_query",
            RecordKind::Report => "report",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown record kind '{s}'"))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for RecordKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for RecordKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One project record.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Record {
    pub id: RecordId,
    pub project: ProjectId,
    pub kind: RecordKind,
    /// Unique among the project's records of this kind unless empty.
    pub key: String,
    /// A JSON document; its shape is owned by whoever defines the kind.
    pub body: String,
    pub created_by: UserId,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub updated_at: Timestamp,
    pub version: Version,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_unique_names() {
        for k in RecordKind::ALL {
            assert_eq!(k.as_str().parse::<RecordKind>().unwrap(), k);
        }
        assert!("nonsense".parse::<RecordKind>().is_err());
    }
}
