//! How core values are written to database columns and read back, the same
//! way by every backend (each binds [`Val`]s with its own driver): GUIDs as
//! lowercase hyphenated text, instants as microseconds since the Unix epoch,
//! versions and offsets as integers, small structured values as JSON.
//!
//! Writing never fails for values the core allows except out-of-range
//! numbers; reading fails with [`StoreError::Corrupt`] naming the table, the
//! row and the column.

use crate::StoreError;
use axial_core::{Timestamp, Version};
use uuid::Uuid;

/// One bound parameter of an insert or update.
#[derive(Debug, Clone)]
pub enum Val {
    Text(String),
    Int(i64),
    Bool(bool),
    Null,
}

impl Val {
    pub fn opt_text(v: Option<String>) -> Val {
        v.map(Val::Text).unwrap_or(Val::Null)
    }
}

/// Microseconds since 1970-01-01 UTC (the store's precision, like `axial_core::now`).
pub fn micros(t: Timestamp) -> Result<i64, StoreError> {
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1000)).map_err(|_| StoreError::Constraint {
        message: format!("the instant {t} is outside the range Axial can store"),
    })
}

pub fn version(v: Version) -> Result<i64, StoreError> {
    i64::try_from(v.0).map_err(|_| StoreError::Constraint {
        message: format!("version {v} is too large to store"),
    })
}

pub fn json<T: serde::Serialize>(what: &str, v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend {
        detail: format!("cannot encode {what}: {e}"),
    })
}

/// Reads the columns of one row of `table`, attributing every failure to the row's id.
pub struct Decoder<'a> {
    pub table: &'static str,
    pub id: &'a str,
}

impl Decoder<'_> {
    fn fail(&self, column: &str, why: impl std::fmt::Display) -> StoreError {
        corrupt(self.table, self.id, format!("column {column}: {why}"))
    }

    pub fn guid(&self, column: &str, s: &str) -> Result<Uuid, StoreError> {
        axial_core::id::parse_guid(s).map_err(|e| self.fail(column, e))
    }

    pub fn opt_guid(&self, column: &str, s: Option<&str>) -> Result<Option<Uuid>, StoreError> {
        s.map(|s| self.guid(column, s)).transpose()
    }

    pub fn instant(&self, column: &str, micros: i64) -> Result<Timestamp, StoreError> {
        Timestamp::from_unix_timestamp_nanos(i128::from(micros) * 1000)
            .map_err(|e| self.fail(column, e))
    }

    pub fn version(&self, v: i64) -> Result<Version, StoreError> {
        u64::try_from(v)
            .map(Version)
            .map_err(|_| self.fail("version", format!("{v} is negative")))
    }

    pub fn u32(&self, column: &str, v: i64) -> Result<u32, StoreError> {
        u32::try_from(v)
            .map_err(|_| self.fail(column, format!("{v} is not a valid offset or length")))
    }

    pub fn parse<T: std::str::FromStr>(&self, column: &str, s: &str) -> Result<T, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        s.parse().map_err(|e| self.fail(column, e))
    }

    pub fn json<T: serde::de::DeserializeOwned>(
        &self,
        column: &str,
        s: &str,
    ) -> Result<T, StoreError> {
        serde_json::from_str(s).map_err(|e| self.fail(column, e))
    }
}

/// The error for a stored value that cannot be read back.
pub fn corrupt(table: &str, id: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        detail: format!("table {table}, row {id}: {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(micros_in: i64) {
        let d = Decoder {
            table: "t",
            id: "x",
        };
        let t = d.instant("at", micros_in).unwrap();
        assert_eq!(micros(t).unwrap(), micros_in);
    }

    #[test]
    fn instants_round_trip_through_micros() {
        check(0);
        check(1_700_000_000_123_456);
        check(-1_234_567);
        let now = axial_core::now();
        let d = Decoder {
            table: "t",
            id: "x",
        };
        assert_eq!(d.instant("at", micros(now).unwrap()).unwrap(), now);
    }

    #[test]
    fn bad_columns_name_table_row_and_column() {
        let d = Decoder {
            table: "codes",
            id: "abc",
        };
        let err = d.guid("parent", "nope").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("table codes, row abc: column parent"),
            "{text}"
        );
        assert!(d.version(-1).is_err());
        assert!(d.u32("span_start", -5).is_err());
    }
}
