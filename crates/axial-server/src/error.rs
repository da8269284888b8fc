//! The one error type of the HTTP API. Every failure becomes
//! `{ "error": { "code", "message", "fields"? } }` with a fitting status; a
//! 5xx says only "internal error" and its cause goes to the log, never to the
//! client. This module maps app errors to statuses; it decides nothing else.

use axial_app::AppError;
use axial_store::StoreError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An API failure: what the client sees.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable: `not_found`, `invalid`, `conflict`, ….
    pub code: &'static str,
    pub message: String,
    /// Which request fields were wrong, when known.
    pub fields: Vec<String>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    code: String,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            fields: vec![field.to_string()],
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// A failure whose cause must not reach the client: logged, then hidden.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {cause}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                fields: self.fields,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        use StatusCode as S;
        let msg = e.to_string();
        match e {
            AppError::Store(s) => from_store(s),
            AppError::NotFound { .. } | AppError::NoProject => {
                ApiError::new(S::NOT_FOUND, "not_found", msg)
            }
            AppError::Ambiguous { .. } | AppError::WhichProject { .. } => {
                ApiError::new(S::BAD_REQUEST, "ambiguous", msg)
            }
            AppError::Name(ref n) => {
                let field = match n {
                    axial_core::NameError::Empty { what }
                    | axial_core::NameError::TooLong { what, .. }
                    | axial_core::NameError::Control { what, .. } => *what,
                };
                ApiError::invalid(field, msg)
            }
            AppError::Span(_) => ApiError::invalid("span", msg),
            AppError::Value { ref field, .. } => ApiError::invalid(&field.clone(), msg),
            AppError::Invalid(_) | AppError::Import(_) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid", msg)
            }
            AppError::Exists(_) => ApiError::new(S::CONFLICT, "exists", msg),
            AppError::InUse { .. } | AppError::CannotRevert { .. } => {
                ApiError::new(S::CONFLICT, "conflict", msg)
            }
            AppError::NothingTo(_) => ApiError::new(S::CONFLICT, "nothing_to_do", msg),
            AppError::Busy { .. } => ApiError::new(S::SERVICE_UNAVAILABLE, "busy", msg),
            AppError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

fn from_store(e: StoreError) -> ApiError {
    use StatusCode as S;
    let msg = e.to_string();
    match e {
        StoreError::NotFound { .. } => ApiError::new(S::NOT_FOUND, "not_found", msg),
        StoreError::Conflict { .. } | StoreError::AlreadyReverted { .. } => {
            ApiError::new(S::CONFLICT, "conflict", msg)
        }
        StoreError::AlreadyExists { .. } => ApiError::new(S::CONFLICT, "exists", msg),
        StoreError::Constraint { .. } => ApiError::new(S::CONFLICT, "constraint", msg),
        StoreError::Locked { .. } => ApiError::new(S::SERVICE_UNAVAILABLE, "busy", msg),
        // The database cannot be reached: the server keeps running and the
        // request can be repeated once the database is back.
        StoreError::Unavailable { .. } => ApiError::new(
            S::SERVICE_UNAVAILABLE,
            "database_unavailable",
            format!("{msg}; try again in a moment"),
        ),
        other => ApiError::internal(other),
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        let status = r.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        ApiError::new(status, code, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", r.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", r.body_text())
    }
}

impl From<axum::extract::multipart::MultipartError> for ApiError {
    fn from(r: axum::extract::multipart::MultipartError) -> ApiError {
        let status = r.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        ApiError::new(status, code, r.body_text())
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(r: axum::extract::multipart::MultipartRejection) -> ApiError {
        ApiError::new(r.status(), "bad_request", r.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(e: AppError, status: u16, code: &str) {
        let api = ApiError::from(e);
        assert_eq!(
            (api.status.as_u16(), api.code),
            (status, code),
            "{}",
            api.message
        );
    }

    #[test]
    fn maps_app_errors_to_statuses() {
        check(AppError::NothingTo("undo"), 409, "nothing_to_do");
        check(AppError::Invalid("bad".into()), 422, "invalid");
        check(AppError::Exists("dup".into()), 409, "exists");
        check(
            AppError::Store(StoreError::NotFound {
                kind: axial_core::EntityKind::Code,
                id: "x".into(),
            }),
            404,
            "not_found",
        );
        check(AppError::Internal("disk on fire".into()), 500, "internal");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let api = ApiError::from(AppError::Store(StoreError::Backend {
            detail: "secret path /home/x".into(),
        }));
        assert_eq!(api.message, "internal error");
    }
}
