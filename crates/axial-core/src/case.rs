//! Cases, typed variables (attributes) with their values, and sets.

use std::fmt;

use crate::change::Version;
use crate::id::{CaseId, CodeId, MemoId, ProjectId, SetId, SourceId, ValueId, VariableId};

/// A participant or another unit of analysis; sources belong to cases.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Case {
    pub id: CaseId,
    pub project: ProjectId,
    pub name: String,
    pub description: String,
    pub version: Version,
}

/// The type of a variable; a category lists its allowed values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "type", rename_all = "lowercase")
)]
pub enum VariableKind {
    Text,
    Integer,
    Decimal,
    Date,
    Boolean,
    Category { values: Vec<String> },
}

impl VariableKind {
    pub fn name(&self) -> &'static str {
        match self {
            VariableKind::Text => "text",
            VariableKind::Integer => "integer",
            VariableKind::Decimal => "decimal",
            VariableKind::Date => "date",
            VariableKind::Boolean => "boolean",
            VariableKind::Category { .. } => "category",
        }
    }
}

/// A typed attribute definition, such as "staff group" or "interview date".
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Variable {
    pub id: VariableId,
    pub project: ProjectId,
    pub name: String,
    pub kind: VariableKind,
    pub description: String,
    pub version: Version,
}

/// One typed value.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "type", content = "value", rename_all = "lowercase")
)]
pub enum Value {
    Text(String),
    Integer(i64),
    Decimal(f64),
    Date(#[cfg_attr(feature = "serde", serde(with = "date_iso"))] time::Date),
    Boolean(bool),
    Category(String),
}

#[cfg(feature = "serde")]
mod date_iso {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(d: &time::Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*d))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<time::Date, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_date(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("'{s}' is not a YYYY-MM-DD date")))
    }
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<time::Date> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

/// A value that does not fit its variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("'{value}' is not {expected}")]
    Malformed {
        value: String,
        expected: &'static str,
    },
    #[error("'{value}' is not one of the allowed values: {allowed}")]
    NotAllowed { value: String, allowed: String },
}

impl Value {
    /// Parses text typed by a person (or read from a sheet) as a value of `kind`.
    pub fn parse(kind: &VariableKind, s: &str) -> Result<Value, ValueError> {
        let t = s.trim();
        let bad = |expected| ValueError::Malformed {
            value: s.to_string(),
            expected,
        };
        Ok(match kind {
            VariableKind::Text => Value::Text(t.to_string()),
            VariableKind::Integer => Value::Integer(t.parse().map_err(|_| bad("a whole number"))?),
            VariableKind::Decimal => {
                let v: f64 = t
                    .replace(',', ".")
                    .parse()
                    .map_err(|_| bad("a decimal number"))?;
                if !v.is_finite() {
                    return Err(bad("a finite decimal number"));
                }
                Value::Decimal(v)
            }
            VariableKind::Date => {
                Value::Date(parse_date(t).ok_or_else(|| bad("a date (YYYY-MM-DD)"))?)
            }
            VariableKind::Boolean => Value::Boolean(match t.to_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => true,
                "false" | "no" | "n" | "0" => false,
                _ => return Err(bad("true or false")),
            }),
            VariableKind::Category { values } => {
                match values.iter().find(|v| v.eq_ignore_ascii_case(t)) {
                    Some(v) => Value::Category(v.clone()),
                    None => {
                        return Err(ValueError::NotAllowed {
                            value: s.to_string(),
                            allowed: values.join(", "),
                        })
                    }
                }
            }
        })
    }

    /// True when the value is of the variable's type (and allowed, for categories).
    pub fn fits(&self, kind: &VariableKind) -> bool {
        match (self, kind) {
            (Value::Text(_), VariableKind::Text)
            | (Value::Integer(_), VariableKind::Integer)
            | (Value::Decimal(_), VariableKind::Decimal)
            | (Value::Date(_), VariableKind::Date)
            | (Value::Boolean(_), VariableKind::Boolean) => true,
            (Value::Category(v), VariableKind::Category { values }) => values.contains(v),
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) | Value::Category(s) => f.write_str(s),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Decimal(x) => write!(f, "{x}"),
            Value::Date(d) => f.write_str(&format_date(*d)),
            Value::Boolean(b) => write!(f, "{b}"),
        }
    }
}

/// What a variable value describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "type", content = "id", rename_all = "lowercase")
)]
pub enum Subject {
    Case(CaseId),
    Source(SourceId),
}

/// The value of one variable for one case or source.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VariableValue {
    pub id: ValueId,
    pub project: ProjectId,
    pub variable: VariableId,
    pub subject: Subject,
    pub value: Value,
    pub version: Version,
}

/// A member of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "type", content = "id", rename_all = "lowercase")
)]
pub enum SetMember {
    Source(SourceId),
    Case(CaseId),
    Code(CodeId),
    Memo(MemoId),
}

/// A named group of sources, cases, codes or memos.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Set {
    pub id: SetId,
    pub project: ProjectId,
    pub name: String,
    pub description: String,
    pub members: Vec<SetMember>,
    pub version: Version,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_by_kind() {
        assert_eq!(
            Value::parse(&VariableKind::Integer, " 42 "),
            Ok(Value::Integer(42))
        );
        assert_eq!(
            Value::parse(&VariableKind::Decimal, "3,5"),
            Ok(Value::Decimal(3.5))
        );
        assert!(Value::parse(&VariableKind::Decimal, "NaN").is_err());
        assert_eq!(
            Value::parse(&VariableKind::Date, "2024-02-29")
                .unwrap()
                .to_string(),
            "2024-02-29"
        );
        assert!(Value::parse(&VariableKind::Date, "2023-02-29").is_err());
        assert_eq!(
            Value::parse(&VariableKind::Boolean, "Yes"),
            Ok(Value::Boolean(true))
        );
        let groups = VariableKind::Category {
            values: vec!["clinical manager".into(), "senior manager".into()],
        };
        assert_eq!(
            Value::parse(&groups, "Senior Manager"),
            Ok(Value::Category("senior manager".into()))
        );
        assert!(matches!(
            Value::parse(&groups, "nurse"),
            Err(ValueError::NotAllowed { .. })
        ));
        assert!(Value::Category("senior manager".into()).fits(&groups));
        assert!(!Value::Integer(1).fits(&groups));
    }
}
