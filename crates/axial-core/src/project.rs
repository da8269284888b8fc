//! Projects (one study each) and the naming rules shared by every named thing.

use crate::change::Version;
use crate::id::ProjectId;
use crate::Timestamp;

/// One study. A database holds many; names are unique within a database.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    /// The project memo (REFI-QDA: Project/Description).
    pub description: String,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub created_at: Timestamp,
    pub version: Version,
}

/// A name that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{what} name is empty")]
    Empty { what: &'static str },
    #[error("{what} name is {len} characters long; the limit is {max}")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{what} name '{name}' contains a control character (line break or tab)")]
    Control { what: &'static str, name: String },
}

/// Longest allowed name of a project, code, case, variable or set.
pub const MAX_NAME: usize = 200;

/// Trims a name and checks it is usable: not empty, no control characters,
/// at most [`MAX_NAME`] characters.
pub fn validate_name(what: &'static str, name: &str) -> Result<String, NameError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(NameError::Empty { what });
    }
    let len = name.chars().count();
    if len > MAX_NAME {
        return Err(NameError::TooLong {
            what,
            len,
            max: MAX_NAME,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::Control {
            what,
            name: name.to_string(),
        });
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            validate_name("code", "  efficiency pressure ").unwrap(),
            "efficiency pressure"
        );
        assert_eq!(
            validate_name("code", " "),
            Err(NameError::Empty { what: "code" })
        );
        assert!(matches!(
            validate_name("code", "a\nb"),
            Err(NameError::Control { .. })
        ));
        assert!(matches!(
            validate_name("code", &"x".repeat(201)),
            Err(NameError::TooLong { .. })
        ));
        assert_eq!(validate_name("code", "Zoë 😀").unwrap(), "Zoë 😀");
    }
}
