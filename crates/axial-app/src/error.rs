//! The app's error type: one enum whose messages say what went wrong and
//! what to do next.

use axial_core::{NameError, SpanError, ValueError};
use axial_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no {what} named '{name}'; {hint}")]
    NotFound {
        what: &'static str,
        name: String,
        hint: String,
    },
    #[error(
        "'{name}' matches several {what}: {candidates}; give the full path (e.g. 'Parent/Child')"
    )]
    Ambiguous {
        what: &'static str,
        name: String,
        candidates: String,
    },
    #[error(
        "there is no project yet; create one with `axial project new NAME` or try `axial demo`"
    )]
    NoProject,
    #[error("there are several projects ({}); choose one with --project NAME", names.join(", "))]
    WhichProject { names: Vec<String> },
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(transparent)]
    Span(#[from] SpanError),
    #[error("{field}: {source}")]
    Value { field: String, source: ValueError },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Exists(String),
    #[error("{what} is in use: {detail}")]
    InUse { what: String, detail: String },
    #[error(transparent)]
    Import(#[from] axial_formats::import::ImportError),
    #[error("nothing to {0}")]
    NothingTo(&'static str),
    #[error("could not finish {what}: others kept changing the same things; try again")]
    Busy { what: String },
    #[error("cannot {verb}: {detail}")]
    CannotRevert { verb: &'static str, detail: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub(crate) fn invalid(msg: impl Into<String>) -> AppError {
        AppError::Invalid(msg.into())
    }
}
