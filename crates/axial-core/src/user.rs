//! People who code, write memos and change things.

use crate::change::Version;
use crate::id::UserId;
use crate::Timestamp;

/// A coder identity. Without accounts there is one local user per login name.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct User {
    pub id: UserId,
    /// Short unique handle, e.g. the login name.
    pub name: String,
    pub display_name: String,
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    pub created_at: Timestamp,
    pub version: Version,
}
