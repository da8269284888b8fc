//! Accounts and sessions: plain tables outside the change log (no password
//! hash is ever copied into the log).

use axial_core::{Account, Session, UserId};
use axial_store::StoreError;
use sqlx::postgres::PgConnection;

use crate::codec::{self, Decoder};
use crate::error::Fault;

pub(crate) async fn account(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Option<Account>, Fault> {
    let row: Option<(String, String, bool, i64, i64)> = sqlx::query_as(
        "SELECT user_id, password_hash, admin, created_at, updated_at FROM accounts WHERE user_id = $1",
    )
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, password_hash, admin, created_at, updated_at)) = row else {
        return Ok(None);
    };
    let d = Decoder {
        table: "accounts",
        id: &id,
    };
    Ok(Some(Account {
        user,
        password_hash,
        admin,
        created_at: d.instant("created_at", created_at)?,
        updated_at: d.instant("updated_at", updated_at)?,
    }))
}

pub(crate) async fn accounts(conn: &mut PgConnection) -> Result<Vec<Account>, Fault> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT user_id FROM accounts ORDER BY user_id")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let d = Decoder {
            table: "accounts",
            id: &id,
        };
        let user = UserId::from_uuid(d.guid("user_id", &id)?);
        if let Some(a) = account(conn, user).await? {
            out.push(a);
        }
    }
    Ok(out)
}

pub(crate) async fn account_count(conn: &mut PgConnection) -> Result<u64, Fault> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&mut *conn)
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(crate) async fn put_account(conn: &mut PgConnection, a: &Account) -> Result<(), Fault> {
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1")
        .bind(a.user.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(StoreError::Constraint {
            message: format!("no user with id {} to give an account to", a.user),
        }
        .into());
    }
    sqlx::query(
        "INSERT INTO accounts (user_id, password_hash, admin, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
         password_hash = excluded.password_hash, admin = excluded.admin, \
         updated_at = excluded.updated_at",
    )
    .bind(a.user.to_string())
    .bind(&a.password_hash)
    .bind(a.admin)
    .bind(codec::micros(a.created_at)?)
    .bind(codec::micros(a.updated_at)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn create_session(conn: &mut PgConnection, s: &Session) -> Result<(), Fault> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&s.token_hash)
    .bind(s.user.to_string())
    .bind(codec::micros(s.created_at)?)
    .bind(codec::micros(s.expires_at)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn session(
    conn: &mut PgConnection,
    token_hash: &str,
) -> Result<Option<Session>, Fault> {
    let row: Option<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((token_hash, user, created_at, expires_at)) = row else {
        return Ok(None);
    };
    let d = Decoder {
        table: "sessions",
        id: "(a session)",
    };
    Ok(Some(Session {
        user: UserId::from_uuid(d.guid("user_id", &user)?),
        created_at: d.instant("created_at", created_at)?,
        expires_at: d.instant("expires_at", expires_at)?,
        token_hash,
    }))
}

pub(crate) async fn delete_session(conn: &mut PgConnection, token_hash: &str) -> Result<(), Fault> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn delete_sessions(conn: &mut PgConnection, user: UserId) -> Result<u64, Fault> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
