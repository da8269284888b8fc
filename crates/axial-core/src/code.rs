//! The code tree (codes and categories), colours, and typed relations between codes.

use std::fmt;
use std::str::FromStr;

use crate::change::Version;
use crate::id::{CodeId, ProjectId, RelationId, UserId};
use crate::Timestamp;

/// An sRGB colour, written `#rrggbb`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

/// Text that is not a `#rrggbb` colour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a colour; write it as #rrggbb, for example #1f77b4")]
pub struct ColorError {
    pub value: String,
}

/// Twelve distinguishable colours handed out to new codes in turn.
const PALETTE: [(u8, u8, u8); 12] = [
    (0x1f, 0x77, 0xb4),
    (0xff, 0x7f, 0x0e),
    (0x2c, 0xa0, 0x2c),
    (0xd6, 0x27, 0x28),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x7f, 0x7f, 0x7f),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
    (0x39, 0x3b, 0x79),
    (0xad, 0x49, 0x4a),
];

impl Color {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b }
    }
    /// The `n`th colour of the default palette (wrapping).
    pub fn palette(n: usize) -> Color {
        let (r, g, b) = PALETTE[n % PALETTE.len()];
        Color { r, g, b }
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl fmt::Debug for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl FromStr for Color {
    type Err = ColorError;
    fn from_str(s: &str) -> Result<Self, ColorError> {
        let err = || ColorError {
            value: s.to_string(),
        };
        let t = s.trim();
        let t = t.strip_prefix('#').unwrap_or(t);
        if t.len() != 6 || !t.is_ascii() {
            return Err(err());
        }
        let p = |i: usize| u8::from_str_radix(&t[i..i + 2], 16).map_err(|_| err());
        Ok(Color {
            r: p(0)?,
            g: p(2)?,
            b: p(4)?,
        })
    }
}

impl TryFrom<String> for Color {
    type Error = ColorError;
    fn try_from(s: String) -> Result<Self, ColorError> {
        s.parse()
    }
}

impl From<Color> for String {
    fn from(c: Color) -> String {
        c.to_string()
    }
}

/// A code, or a category when `codable` is false (a folder that groups codes).
/// Names are unique among siblings.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Code {
    pub id: CodeId,
    pub project: ProjectId,
    pub parent: Option<CodeId>,
    pub name: String,
    pub color: Color,
    /// The definition: what the code means.
    pub description: String,
    pub inclusion: String,
    pub exclusion: String,
    pub example: String,
    pub codable: bool,
    pub created_by: UserId,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub created_at: Timestamp,
    pub version: Version,
}

/// The paradigm relations of axial coding, plus a free label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum RelationKind {
    CausalCondition,
    Context,
    InterveningCondition,
    Strategy,
    Consequence,
    /// Anything else; the relation's label says what.
    Other,
}

impl RelationKind {
    pub const ALL: [RelationKind; 6] = [
        RelationKind::CausalCondition,
        RelationKind::Context,
        RelationKind::InterveningCondition,
        RelationKind::Strategy,
        RelationKind::Consequence,
        RelationKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::CausalCondition => "causal_condition",
            RelationKind::Context => "context",
            RelationKind::InterveningCondition => "intervening_condition",
            RelationKind::Strategy => "strategy",
            RelationKind::Consequence => "consequence",
            RelationKind::Other => "other",
        }
    }
}

impl FromStr for RelationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RelationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown relation kind '{s}'; use one of: {}",
                    RelationKind::ALL.map(|k| k.as_str()).join(", ")
                )
            })
    }
}

/// A typed relation from one code to another (REFI-QDA: Link).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CodeRelation {
    pub id: RelationId,
    pub project: ProjectId,
    pub from: CodeId,
    pub to: CodeId,
    pub kind: RelationKind,
    pub label: String,
    pub created_by: UserId,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub created_at: Timestamp,
    pub version: Version,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(
            "#1F77b4".parse::<Color>().unwrap(),
            Color::rgb(0x1f, 0x77, 0xb4)
        );
        assert_eq!("1f77b4".parse::<Color>().unwrap().to_string(), "#1f77b4");
        for bad in ["#12345", "#gggggg", "", "#1234567", "#ééé"] {
            assert!(bad.parse::<Color>().is_err(), "{bad}");
        }
        assert_ne!(Color::palette(0), Color::palette(1));
        assert_eq!(Color::palette(0), Color::palette(12));
    }
}
