//! `/session` (who is signed in, whether accounts exist, the CSRF token),
//! `/auth/login`, `/auth/logout`, `/auth/password` and the administrators'
//! `/users`. Access rules are not here: `crate::auth` applies them before
//! these handlers run.

use std::time::Instant;

use axum::extract::{Extension, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{rfc3339, ApiResult, Json};
use crate::auth::{self as access, Caller, ClientIp};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(password))
        .routes(routes!(list_users, create_user))
}

/// What the browser needs before its first request.
#[derive(Serialize, ToSchema)]
struct SessionDto {
    /// Send this back in the `X-Axial-CSRF` header of every POST, PUT, PATCH and DELETE.
    csrf_token: String,
    /// Whether user accounts exist: then every other route needs signing in.
    accounts: bool,
    /// Who changes are recorded under: the signed-in user, or the local
    /// user without accounts; null when accounts exist and nobody is signed in.
    user: Option<String>,
    display_name: Option<String>,
    /// Whether the signed-in user administers accounts.
    admin: bool,
    version: String,
}

#[derive(Deserialize, ToSchema)]
struct LoginDto {
    name: String,
    password: String,
}

#[derive(Deserialize, ToSchema)]
struct PasswordDto {
    old: String,
    new: String,
}

#[derive(Serialize, ToSchema)]
struct UserDto {
    id: String,
    name: String,
    display_name: String,
    admin: bool,
    created_at: String,
}

#[derive(Deserialize, ToSchema)]
struct NewUserDto {
    name: String,
    #[serde(default)]
    display_name: Option<String>,
    password: String,
    #[serde(default)]
    admin: bool,
}

fn no_accounts() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "no_accounts",
        "this Axial has no user accounts yet (everyone local acts as the local user); create the first \
         administrator with `axial user add NAME --admin --password-stdin`",
    )
}

/// The CSRF token for a browser: derived from its session when it has one
/// (so every server process on the database accepts it), else this
/// process's own.
fn session_dto(
    s: &AppState,
    session_token: Option<&str>,
    accounts: bool,
    who: Option<(&axial_app::Actor, bool)>,
) -> SessionDto {
    SessionDto {
        csrf_token: session_token
            .map(crate::security::session_csrf)
            .unwrap_or_else(|| s.csrf.to_string()),
        accounts,
        user: who.map(|(a, _)| a.user.name.clone()),
        display_name: who.map(|(a, _)| a.user.display_name.clone()),
        admin: who.is_some_and(|(_, admin)| admin),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

#[utoipa::path(get, path = "/session", tag = "session", responses((status = 200, body = SessionDto)))]
async fn session(State(s): State<AppState>) -> ApiResult<SessionDto> {
    Ok(Json(match access::caller() {
        Some(Caller::Signed { who, token }) => {
            session_dto(&s, Some(&token), true, Some((&who.actor, who.admin)))
        }
        Some(Caller::Local) => {
            let actor = s.actor().await?;
            session_dto(&s, None, false, Some((&actor, false)))
        }
        Some(Caller::Anonymous) | None => session_dto(&s, None, true, None),
    }))
}

/// Signs in: sets the `axial_session` cookie (HttpOnly, SameSite=Strict,
/// Secure behind https). Five failures per address or name within five
/// minutes answer 429 with `Retry-After`.
#[utoipa::path(post, path = "/auth/login", tag = "session", request_body = LoginDto,
    responses((status = 200, body = SessionDto), (status = 401, body = crate::error::ErrorBody, description = "wrong name or password"),
        (status = 409, body = crate::error::ErrorBody, description = "no accounts exist"),
        (status = 429, body = crate::error::ErrorBody, description = "too many failed sign-ins; see Retry-After")))]
async fn login(
    State(s): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    Json(b): Json<LoginDto>,
) -> Result<Response, ApiError> {
    if !s.accounts_on().await? {
        return Err(no_accounts());
    }
    let name_key = format!("name {}", b.name.trim().to_lowercase());
    let keys = [format!("ip {}", ip.0), name_key.clone()];
    let now = Instant::now();
    if let Err(wait) = s.logins.check(&keys, now) {
        return Ok(access::too_many(wait));
    }
    let Some(new) = s.app.login(&b.name, &b.password).await? else {
        s.logins.fail(&keys, now);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong name or password",
        ));
    };
    s.logins.clear(&name_key);
    let max_age = axial_app::accounts::SESSION_LIFETIME.unsigned_abs();
    let cookie = access::session_cookie(&new.token, max_age, access::is_https(&headers));
    let dto = session_dto(
        &s,
        Some(&new.token),
        true,
        Some((&new.who.actor, new.who.admin)),
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(dto)).into_response())
}

/// Signs out: ends the session and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "session", responses((status = 204)))]
async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(Caller::Signed { token, .. }) = access::caller() {
        s.app.logout(&token).await?;
    }
    let clear = access::clear_cookie(access::is_https(&headers));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// Changes the signed-in user's password; their other sessions end.
#[utoipa::path(post, path = "/auth/password", tag = "session", request_body = PasswordDto,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody, description = "wrong current password or too short a new one")))]
async fn password(
    State(s): State<AppState>,
    Json(b): Json<PasswordDto>,
) -> Result<StatusCode, ApiError> {
    let Some(Caller::Signed { who, token }) = access::caller() else {
        return Err(no_accounts());
    };
    s.app
        .change_password(&who.actor, Some(&token), &b.old, &b.new)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn user_dto(a: axial_app::AccountView) -> UserDto {
    UserDto {
        id: a.id.to_string(),
        name: a.name,
        display_name: a.display_name,
        admin: a.admin,
        created_at: rfc3339(a.created_at),
    }
}

/// Every user who can sign in (administrators only).
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = [UserDto])))]
async fn list_users(State(s): State<AppState>) -> ApiResult<Vec<UserDto>> {
    Ok(Json(
        s.app.accounts().await?.into_iter().map(user_dto).collect(),
    ))
}

/// Creates a user account (administrators only; the first administrator
/// is created with `axial user add`).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserDto,
    responses((status = 201, body = UserDto), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn create_user(
    State(s): State<AppState>,
    Json(b): Json<NewUserDto>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    if !s.accounts_on().await? {
        return Err(no_accounts());
    }
    let actor = s.actor().await?;
    let a = s
        .app
        .create_account(
            &actor,
            &b.name,
            b.display_name.as_deref(),
            &b.password,
            b.admin,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user_dto(a))))
}
