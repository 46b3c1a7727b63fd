//! The one place where failures become HTTP responses, always in the contract's shape:
//! `{"errors":[{"message":"…","field":"…"}]}`. What a service's failure means is decided in
//! `failure`; here it only gets its status.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use serde::Serialize;

use crate::backpressure::RETRY_AFTER_SECS;
pub use crate::domain::FieldError;
use crate::failure::Failure;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// What a service said went wrong.
    #[error(transparent)]
    Failure(Failure),
    /// A request that could not be read (bad JSON, a bad id, a missing header).
    #[error("{0}")]
    BadRequest(String),
    /// A request from another site where only this one may send it.
    #[error("Forbidden")]
    Forbidden,
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// The router has no such path (as opposed to a handler finding no such record).
    #[error("No such route")]
    NoRoute,
    #[error("Request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
}

/// What a shed request reads, on the API and on the pages.
pub const BUSY: &str = "The shop is busy; please try again in a few seconds";

impl<E> From<E> for ApiError
where
    Failure: From<E>,
{
    fn from(err: E) -> Self {
        Self::Failure(Failure::from(err))
    }
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Failure::field(field, message).into()
    }

    /// Not signed in, or not the owner (the contract's 401).
    pub fn unauthorized() -> Self {
        Failure::NotYours.into()
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Failure(failure) => match failure {
                Failure::Invalid(_) | Failure::Refused(_) => StatusCode::BAD_REQUEST,
                Failure::NotYours => StatusCode::UNAUTHORIZED,
                Failure::NotFound => StatusCode::NOT_FOUND,
                Failure::Conflict(_) => StatusCode::CONFLICT,
                Failure::Declined(_) => StatusCode::PAYMENT_REQUIRED,
                Failure::Limited { .. } => StatusCode::TOO_MANY_REQUESTS,
                Failure::Unavailable(_) | Failure::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
                Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    fn errors(&self) -> Vec<FieldError> {
        match self {
            Self::Failure(Failure::Invalid(errors)) => errors.clone(),
            Self::Failure(Failure::Busy(_)) => vec![message(BUSY)],
            Self::Failure(Failure::Internal(_)) => vec![message("Something went wrong")],
            other => vec![message(other.to_string())],
        }
    }

    /// How long a client is asked to wait before trying again, if at all.
    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Failure(Failure::Busy(_)) => Some(RETRY_AFTER_SECS),
            Self::Failure(Failure::Limited {
                retry_after_secs, ..
            }) => Some(*retry_after_secs),
            _ => None,
        }
    }
}

fn message(text: impl Into<String>) -> FieldError {
    FieldError {
        message: text.into(),
        field: None,
    }
}

/// Every 4xx and 5xx body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub errors: Vec<FieldError>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Failure(Failure::Internal(err)) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let body = ErrorBody {
            errors: self.errors(),
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonSyntaxError(_) => Self::BadRequest("Malformed JSON body".into()),
            JsonRejection::JsonDataError(err) => {
                Self::BadRequest(format!("Invalid JSON body: {}", err.body_text()))
            }
            JsonRejection::MissingJsonContentType(_) => {
                Self::UnsupportedMediaType("Expected Content-Type: application/json".into())
            }
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            other => Self::BadRequest(other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        Self::BadRequest("Invalid id".into())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}
