//! Creating and dropping whole databases on a server, for tools that need
//! throwaway databases of their own (`axial bench --postgres`). The role in
//! the URL needs the CREATEDB privilege; the database the URL names is only
//! used to connect (any existing one, `postgres` for instance).

use std::str::FromStr;

use axial_store::StoreError;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

use crate::{error, place_of};

/// Whether `name` is a database name this module accepts: 1 to 63
/// lower-case ASCII letters, digits and underscores, starting with a letter.
/// Names are written into `CREATE DATABASE` unquoted, so nothing else is
/// allowed.
pub fn valid_database_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `url` with its database replaced by `name` (user, host, port and query
/// parameters kept).
pub fn url_with_database(url: &str, name: &str) -> Result<String, StoreError> {
    let bad = |why: &str| StoreError::Unavailable {
        detail: format!("{why}; write the server as postgres://user@host:port/database"),
    };
    let (scheme, rest) = url
        .split_once("://")
        .filter(|(s, _)| *s == "postgres" || *s == "postgresql")
        .ok_or_else(|| bad("this is not a PostgreSQL URL"))?;
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    // Empty for a socket given as `?host=/run/postgresql`.
    let authority = before_query.split('/').next().unwrap_or_default();
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

async fn connect(url: &str) -> Result<(PgConnection, String), StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable {
        detail: format!(
            "the database URL is not a PostgreSQL URL ({e}); write it as postgres://user@host:port/database"
        ),
    })?;
    let place = place_of(&options);
    let conn = PgConnection::connect_with(&options)
        .await
        .map_err(|e| error::map(e, &place))?;
    Ok((conn, place))
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if valid_database_name(name) {
        Ok(())
    } else {
        Err(StoreError::Unavailable {
            detail: format!(
                "'{name}' is not a database name Axial creates: use 1 to 63 lower-case letters, digits and underscores, starting with a letter"
            ),
        })
    }
}

/// Creates an empty database `name` on the server `url` points at and
/// returns the URL of the new database. Fails if it exists already.
pub async fn create_database(url: &str, name: &str) -> Result<String, StoreError> {
    check_name(name)?;
    let target = url_with_database(url, name)?;
    let (mut conn, place) = connect(url).await?;
    let made = sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(|e| StoreError::Unavailable {
            detail: format!(
                "{place}: cannot create database {name} ({e}); the role needs the CREATEDB privilege"
            ),
        });
    let _ = conn.close().await;
    made.map(|_| target)
}

/// Drops the database `name` on the server `url` points at, closing any
/// connection still open to it. Nothing happens if it does not exist.
pub async fn drop_database(url: &str, name: &str) -> Result<(), StoreError> {
    check_name(name)?;
    let (mut conn, place) = connect(url).await?;
    let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .map_err(|e| StoreError::Unavailable {
            detail: format!("{place}: cannot drop database {name} ({e})"),
        });
    let _ = conn.close().await;
    dropped.map(|_| ())
}

/// The size on disk of the database `url` names, in bytes.
pub async fn database_bytes(url: &str) -> Result<u64, StoreError> {
    let (mut conn, place) = connect(url).await?;
    let size: Result<i64, _> = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await;
    let _ = conn.close().await;
    size.map(|n| n.max(0) as u64)
        .map_err(|e| error::map(e, &place))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_identifiers() {
        assert!(valid_database_name("axial_bench_12_s0"));
        for bad in ["", "Bench", "1x", "a-b", "a;drop", "a b", &"a".repeat(64)] {
            assert!(!valid_database_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_database_of_a_url_is_replaced() {
        let u = |s, n| url_with_database(s, n).expect("a PostgreSQL URL");
        assert_eq!(
            u("postgres://axial@127.0.0.1:5432/postgres", "b1"),
            "postgres://axial@127.0.0.1:5432/b1"
        );
        assert_eq!(
            u("postgresql://u:p@h/db?sslmode=disable", "b1"),
            "postgresql://u:p@h/b1?sslmode=disable"
        );
        assert_eq!(u("postgres://u@h:1", "b1"), "postgres://u@h:1/b1");
        assert!(url_with_database("sqlite:x.db", "b1").is_err());
        assert_eq!(
            u("postgres:///db?host=/run/postgresql", "b1"),
            "postgres:///b1?host=/run/postgresql"
        );
    }
}
