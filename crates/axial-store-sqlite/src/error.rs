//! Translation of sqlx/SQLite errors into [`StoreError`]s a person can act on.
//!
//! This module only classifies errors (busy, constraint, IO, corrupt row).
//! Turning a constraint failure of one op into a message that names the
//! thing ("a code named 'x' already exists under the same parent") needs the
//! op, so that happens in [`crate::write`].

use axial_store::StoreError;

/// SQLite primary result codes (the low byte of an extended code).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_CONSTRAINT: i32 = 19;
const SQLITE_NOTADB: i32 = 26;

/// Extended constraint codes.
pub(crate) const CONSTRAINT_PRIMARYKEY: i32 = 1555;
pub(crate) const CONSTRAINT_UNIQUE: i32 = 2067;
pub(crate) const CONSTRAINT_FOREIGNKEY: i32 = 787;

/// A failure inside the backend before it is known which database it concerns:
/// either a raw driver error (mapped with [`map`] at the boundary, where the
/// database's name is known) or an already-worded store error.
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
}

/// The extended SQLite result code of a database error, if it is one.
pub(crate) fn sqlite_code(e: &sqlx::Error) -> Option<i32> {
    match e {
        sqlx::Error::Database(d) => d.code().and_then(|c| c.parse().ok()),
        _ => None,
    }
}

/// The driver's message for a database error.
pub(crate) fn sqlite_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}

/// Maps any sqlx error to a store error. `place` names the database (its
/// path, or "the in-memory database") for errors a person must fix there.
pub(crate) fn map(e: sqlx::Error, place: &str) -> StoreError {
    if let Some(code) = sqlite_code(&e) {
        let msg = sqlite_message(&e);
        return match code & 0xff {
            SQLITE_BUSY | SQLITE_LOCKED => StoreError::Locked {
                detail: format!("{place}: {msg}"),
            },
            SQLITE_CONSTRAINT => StoreError::Constraint { message: msg },
            SQLITE_CANTOPEN => StoreError::Unavailable {
                detail: format!(
                    "cannot open {place} ({msg}); check that the folder exists and is writable"
                ),
            },
            SQLITE_READONLY => StoreError::Unavailable {
                detail: format!("{place} is read-only ({msg}); check the file's permissions"),
            },
            SQLITE_IOERR | SQLITE_FULL => StoreError::Unavailable {
                detail: format!("reading or writing {place} failed ({msg}); check the disk"),
            },
            SQLITE_CORRUPT | SQLITE_NOTADB => StoreError::Corrupt {
                detail: format!("{place} is not a readable SQLite database: {msg}"),
            },
            _ => StoreError::Backend {
                detail: format!("{place}: {msg}"),
            },
        };
    }
    match e {
        sqlx::Error::Io(io) => StoreError::Unavailable {
            detail: format!("{place}: {io}"),
        },
        sqlx::Error::PoolTimedOut => StoreError::Locked {
            detail: format!("{place}: timed out waiting for a free database connection"),
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

/// A stored row that cannot be turned back into a core value.
pub(crate) use axial_store::codec::corrupt;

#[cfg(test)]
mod tests {
    use super::*;

    fn check(err: sqlx::Error, want: &str) {
        let got = map(err, "test.db");
        let name = match got {
            StoreError::Locked { .. } => "locked",
            StoreError::Unavailable { .. } => "unavailable",
            StoreError::Corrupt { .. } => "corrupt",
            StoreError::Backend { .. } => "backend",
            StoreError::Constraint { .. } => "constraint",
            _ => "other",
        };
        assert_eq!(name, want);
    }

    #[test]
    fn classifies_non_database_errors() {
        check(sqlx::Error::PoolTimedOut, "locked");
        check(sqlx::Error::PoolClosed, "unavailable");
        check(
            sqlx::Error::Io(std::io::Error::other("disk gone")),
            "unavailable",
        );
        check(sqlx::Error::RowNotFound, "backend");
    }
}
