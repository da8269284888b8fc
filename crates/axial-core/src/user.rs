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

/// The sign-in of a user: an argon2 password hash (PHC string) and whether
/// the user administers the database (creates users). Accounts are kept
/// outside the change log so that no password hash is ever copied into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub user: UserId,
    pub password_hash: String,
    pub admin: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A signed-in browser session. Only a hash of the token the browser holds
/// is stored, so a copy of the database cannot be used to sign in.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Hex SHA-256 of the session token.
    pub token_hash: String,
    pub user: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}
