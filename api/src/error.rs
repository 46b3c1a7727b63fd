//! The one place where failures become HTTP responses, always in the contract's shape:
//! `{"errors":[{"message":"…","field":"…"}]}`.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use boxoffice_activities::store::StoreError;
use sea_orm::DbErr;

use crate::backpressure::{RETRY_AFTER_SECS, Saturated, shed};
use crate::passwords::PasswordError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("Not authorized")]
    Unauthorized,
    #[error("Not found")]
    NotFound,
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// The router has no such path (as opposed to a handler finding no such record).
    #[error("No such route")]
    NoRoute,
    #[error("{0}")]
    PaymentDeclined(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unavailable(String),
    /// Shed under load; build it with `backpressure::shed`, which counts it.
    #[error("The shop is busy; please try again in a few seconds")]
    Busy(Saturated),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PaymentDeclined(_) => StatusCode::PAYMENT_REQUIRED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) | Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn errors(&self) -> Vec<FieldError> {
        match self {
            Self::Validation(errors) => errors.clone(),
            Self::Internal(_) => vec![message("Something went wrong")],
            other => vec![message(other.to_string())],
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
        if let Self::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let body = ErrorBody {
            errors: self.errors(),
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Self::Busy(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::NotOwner => Self::Unauthorized,
            StoreError::EmailInUse => Self::field("email", "Email in use"),
            StoreError::TicketReserved => Self::BadRequest("Cannot edit a reserved ticket".into()),
            StoreError::VersionConflict => Self::Conflict(
                "The ticket was changed by someone else; reload it and try again".into(),
            ),
            StoreError::Db(DbErr::ConnectionAcquire(_)) => shed(Saturated::Database),
            StoreError::Db(db) => Self::Internal(db.into()),
        }
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

impl From<PasswordError> for ApiError {
    fn from(err: PasswordError) -> Self {
        match err {
            PasswordError::Busy => shed(Saturated::Passwords),
            PasswordError::Failed(message) => Self::Internal(anyhow::anyhow!(message)),
        }
    }
}
