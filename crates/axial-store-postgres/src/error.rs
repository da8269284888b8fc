//! Translation of sqlx/PostgreSQL errors into [`StoreError`]s a person can
//! act on, by SQLSTATE class.
//!
//! This module only classifies errors (unreachable, busy, constraint,
//! retryable). Turning a constraint failure of one op into a message that
//! names the thing ("a code named 'x' already exists under the same parent")
//! needs the op, so that happens in [`crate::write`].

use axial_store::StoreError;

/// SQLSTATE codes this backend reacts to.
pub(crate) const UNIQUE_VIOLATION: &str = "23505";
pub(crate) const FOREIGN_KEY_VIOLATION: &str = "23503";
const CHECK_VIOLATION: &str = "23514";
const NOT_NULL_VIOLATION: &str = "23502";
const SERIALIZATION_FAILURE: &str = "40001";
const DEADLOCK_DETECTED: &str = "40P01";
const LOCK_NOT_AVAILABLE: &str = "55P03";
const TOO_MANY_CONNECTIONS: &str = "53300";
const READ_ONLY_TRANSACTION: &str = "25006";
const UNKNOWN_DATABASE: &str = "3D000";
const DATA_CORRUPTED: &str = "XX001";
const INDEX_CORRUPTED: &str = "XX002";

/// A failure inside the backend before it is known which server it
/// concerns: either a raw driver error (mapped with [`map`] at the boundary,
/// where the server's name is known) or an already-worded store error.
#[derive(Debug)]
pub(crate) enum Fault {
    Sql(sqlx::Error),
    Store(StoreError),
}

impl From<sqlx::Error> for Fault {
    fn from(e: sqlx::Error) -> Fault {
        Fault::Sql(e)
    }
}

impl From<StoreError> for Fault {
    fn from(e: StoreError) -> Fault {
        Fault::Store(e)
    }
}

impl Fault {
    pub(crate) fn into_store(self, place: &str) -> StoreError {
        match self {
            Fault::Sql(e) => map(e, place),
            Fault::Store(e) => e,
        }
    }

    /// Whether running the whole transaction again may succeed (a
    /// serialization failure or a deadlock another transaction won).
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(
            self,
            Fault::Sql(e) if matches!(sqlstate(e).as_deref(), Some(SERIALIZATION_FAILURE | DEADLOCK_DETECTED))
        )
    }
}

/// The SQLSTATE of a database error, if it is one.
pub(crate) fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// The name of the constraint a database error broke, if any.
pub(crate) fn constraint(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) => d.constraint().map(str::to_string),
        _ => None,
    }
}

/// The server's message for a database error.
pub(crate) fn message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}

/// Maps any sqlx error to a store error. `place` names the server
/// ("PostgreSQL at host:port, database name").
pub(crate) fn map(e: sqlx::Error, place: &str) -> StoreError {
    if let Some(code) = sqlstate(&e) {
        let msg = message(&e);
        return match code.as_str() {
            UNIQUE_VIOLATION | FOREIGN_KEY_VIOLATION | CHECK_VIOLATION | NOT_NULL_VIOLATION => {
                StoreError::Constraint { message: msg }
            }
            SERIALIZATION_FAILURE | DEADLOCK_DETECTED | LOCK_NOT_AVAILABLE => StoreError::Locked {
                detail: format!("{place}: {msg}"),
            },
            READ_ONLY_TRANSACTION => StoreError::Unavailable {
                detail: format!("{place} accepts no writes ({msg}); connect to the primary server"),
            },
            TOO_MANY_CONNECTIONS => StoreError::Unavailable {
                detail: format!(
                    "{place} refuses more connections ({msg}); lower the pool size or raise the server's max_connections"
                ),
            },
            UNKNOWN_DATABASE => StoreError::Unavailable {
                detail: format!("{place}: {msg}; create the database first (createdb)"),
            },
            DATA_CORRUPTED | INDEX_CORRUPTED => StoreError::Corrupt {
                detail: format!("{place}: {msg}"),
            },
            c if c.starts_with("08") || c.starts_with("57P") => StoreError::Unavailable {
                detail: format!("{place}: {msg}; check that the server is running"),
            },
            c if c.starts_with("28") => StoreError::Unavailable {
                detail: format!(
                    "{place} refused the login ({msg}); check the user name and password in the database URL"
                ),
            },
            c if c.starts_with("22") => StoreError::Constraint {
                message: detail_or(msg, "a value cannot be stored"),
            },
            _ => StoreError::Backend {
                detail: format!("{place}: {msg} (SQLSTATE {code})"),
            },
        };
    }
    match e {
        sqlx::Error::Io(io) => StoreError::Unavailable {
            detail: format!("{place} cannot be reached ({io}); check that the server is running and the host and port are right"),
        },
        sqlx::Error::Tls(tls) => StoreError::Unavailable {
            detail: format!("{place}: TLS failed ({tls})"),
        },
        sqlx::Error::PoolTimedOut => StoreError::Unavailable {
            detail: format!(
                "{place}: timed out waiting for a database connection; the server may be down or overloaded"
            ),
        },
        sqlx::Error::PoolClosed => StoreError::Unavailable {
            detail: format!("{place} has been closed"),
        },
        sqlx::Error::ColumnDecode { index, source } => StoreError::Corrupt {
            detail: format!("{place}: column {index} holds an unexpected value: {source}"),
        },
        other => StoreError::Backend {
            detail: format!("{place}: {other}"),
        },
    }
}

/// A data exception's message, worded as a constraint message.
fn detail_or(msg: String, fallback: &str) -> String {
    if msg.is_empty() {
        fallback.to_string()
    } else {
        format!("{fallback}: {msg}")
    }
}

/// A stored row that cannot be turned back into a core value.
pub(crate) use axial_store::codec::corrupt;

#[cfg(test)]
mod tests {
    use super::*;

    fn check(err: sqlx::Error, want: &str) {
        let got = map(err, "PostgreSQL at 127.0.0.1:1");
        let name = match &got {
            StoreError::Locked { .. } => "locked",
            StoreError::Unavailable { .. } => "unavailable",
            StoreError::Corrupt { .. } => "corrupt",
            StoreError::Backend { .. } => "backend",
            StoreError::Constraint { .. } => "constraint",
            _ => "other",
        };
        assert_eq!(name, want, "{got:?}");
    }

    #[test]
    fn classifies_non_database_errors() {
        check(sqlx::Error::PoolTimedOut, "unavailable");
        check(sqlx::Error::PoolClosed, "unavailable");
        check(
            sqlx::Error::Io(std::io::Error::other("connection refused")),
            "unavailable",
        );
        check(sqlx::Error::RowNotFound, "backend");
    }

    #[test]
    fn only_driver_faults_of_the_retryable_kind_are_retried() {
        assert!(!Fault::Sql(sqlx::Error::PoolTimedOut).is_retryable());
        assert!(!Fault::Store(StoreError::Locked { detail: "x".into() }).is_retryable());
    }
}
