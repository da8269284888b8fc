//! Typed identifiers. Every id is a UUID (a REFI-QDA GUID end to end); the
//! type says what it names, so a `CodeId` can never be passed as a `SourceId`.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// A string that is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a GUID (expected 8-4-4-4-12 hexadecimal digits)")]
pub struct IdError {
    pub value: String,
}

/// Parses a GUID the way REFI-QDA allows it: either case, optionally in braces.
pub fn parse_guid(s: &str) -> Result<Uuid, IdError> {
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    if t.len() != 36 {
        return Err(IdError {
            value: s.to_string(),
        });
    }
    Uuid::parse_str(t).map_err(|_| IdError {
        value: s.to_string(),
    })
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(transparent))]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
            pub const fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
            /// A deterministic id derived from a name within a namespace id,
            /// used for demo data and for ids that must be stable across runs.
            pub fn derived(namespace: Uuid, name: &str) -> Self {
                Self(Uuid::new_v5(&namespace, name.as_bytes()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                parse_guid(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A project: one study. A database holds many.
    ProjectId
);
typed_id!(
    /// A source document (a transcript, a survey answer sheet, a report).
    SourceId
);
typed_id!(
    /// A case: a participant or another unit of analysis.
    CaseId
);
typed_id!(
    /// A variable (attribute) definition.
    VariableId
);
typed_id!(
    /// One value of a variable for one case or source.
    ValueId
);
typed_id!(
    /// A named set of sources, cases, codes or memos.
    SetId
);
typed_id!(
    /// A code or category in the code tree.
    CodeId
);
typed_id!(
    /// One application of a code to a span of a source.
    CodingId
);
typed_id!(
    /// A memo (REFI-QDA: Note).
    MemoId
);
typed_id!(
    /// A typed relation between two codes (REFI-QDA: Link).
    RelationId
);
typed_id!(
    /// A person who codes, writes memos or changes things.
    UserId
);
typed_id!(
    /// A project record: a participant, a category property, a quote, ...
    RecordId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_guid_forms_refi_allows() {
        let want: CodeId = "0b7a1e5c-3a4f-4d0e-9c1b-2f6e8d9a0b1c".parse().unwrap();
        for s in [
            "0B7A1E5C-3A4F-4D0E-9C1B-2F6E8D9A0B1C",
            "{0b7a1e5c-3a4f-4d0e-9c1b-2f6e8d9a0b1c}",
            " 0b7a1e5c-3a4f-4d0e-9c1b-2f6e8d9a0b1c ",
        ] {
            assert_eq!(s.parse::<CodeId>().unwrap(), want, "{s}");
        }
        assert_eq!(want.to_string(), "0b7a1e5c-3a4f-4d0e-9c1b-2f6e8d9a0b1c");
        for bad in [
            "",
            "0b7a1e5c3a4f4d0e9c1b2f6e8d9a0b1c",
            "not-a-guid",
            "{0b7a1e5c-3a4f-4d0e-9c1b-2f6e8d9a0b1c",
        ] {
            assert!(bad.parse::<CodeId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn derived_ids_are_stable() {
        let ns = Uuid::nil();
        assert_eq!(CodeId::derived(ns, "a"), CodeId::derived(ns, "a"));
        assert_ne!(CodeId::derived(ns, "a"), CodeId::derived(ns, "b"));
    }
}
