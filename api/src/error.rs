//! The one place where failures become HTTP responses, always in the contract's shape:
//! `{"errors":[{"message":"…","field":"…"}]}`.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use boxoffice_activities::store::StoreError;

use serde::Serialize;

use crate::accounts::AccountError;
use crate::backpressure::{RETRY_AFTER_SECS, Saturated, shed};
pub use crate::domain::FieldError;
use crate::domain::Invalid;
use crate::limits::Limited;
use crate::listing::ListingError;
use crate::purchases::PurchaseError;
use crate::waitlist::WaitlistError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("Not authorized")]
    Unauthorized,
    /// A request from another site where only this one may send it.
    #[error("Forbidden")]
    Forbidden,
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
    /// Shed under load (`backpressure::shed` counted it).
    #[error("{BUSY}")]
    Busy(Saturated),
    /// A limit was reached; try again after this many seconds.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a shed request reads, on the API and on the pages.
pub const BUSY: &str = "The shop is busy; please try again in a few seconds";

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
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
        let retry_after = match self {
            Self::Busy(_) => Some(RETRY_AFTER_SECS),
            Self::TooManyRequests {
                retry_after_secs, ..
            } => Some(retry_after_secs),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::NotOwner => Self::Unauthorized,
            StoreError::EmailInUse => Self::field("email", err.to_string()),
            StoreError::TicketReserved => Self::BadRequest(err.to_string()),
            StoreError::VersionConflict => Self::Conflict(err.to_string()),
            err if err.is_saturation() => shed(Saturated::Database).into(),
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

impl From<ListingError> for ApiError {
    fn from(err: ListingError) -> Self {
        match err {
            ListingError::Invalid(invalid) => invalid.into(),
            ListingError::NoSuchPage => Self::NotFound,
            ListingError::Store(err) => err.into(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        Self::TooManyRequests {
            message: limited.to_string(),
            // Whole seconds, rounded up: a client that waits this long gets through.
            retry_after_secs: limited.retry_after.as_secs() + 1,
        }
    }
}

impl From<Saturated> for ApiError {
    fn from(what: Saturated) -> Self {
        Self::Busy(what)
    }
}

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::Validation(errors)
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        Self::Validation(vec![error])
    }
}

impl From<jsonwebtoken::errors::Error> for ApiError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        Self::Internal(anyhow::Error::new(err).context("could not sign a session"))
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::EmailInUse => Self::field("email", err.to_string()),
            AccountError::InvalidCredentials => Self::BadRequest(err.to_string()),
            AccountError::Busy(what) => what.into(),
            AccountError::Store(err) => err.into(),
            AccountError::Hashing(message) => Self::Internal(anyhow::anyhow!(message)),
        }
    }
}

impl From<WaitlistError> for ApiError {
    fn from(err: WaitlistError) -> Self {
        match err {
            WaitlistError::NotFound => Self::NotFound,
            WaitlistError::Store(err) => err.into(),
            other => Self::BadRequest(other.to_string()),
        }
    }
}

impl From<PurchaseError> for ApiError {
    fn from(err: PurchaseError) -> Self {
        use PurchaseError as E;
        match err {
            E::NotFound => Self::NotFound,
            E::NotYours => Self::Unauthorized,
            E::Declined(message) => Self::PaymentDeclined(message),
            E::PaymentRefused(message) => Self::field("token", message),
            E::PaymentsUnavailable => Self::Unavailable(err.to_string()),
            E::Busy(what) => what.into(),
            E::Store(err) => err.into(),
            E::Temporal(err) => Self::Internal(err),
            // A hold ends within minutes; an order's attempts never come back, but a new order's do.
            E::TooManyHolds { .. } | E::TooManyPaymentAttempts => Self::TooManyRequests {
                message: err.to_string(),
                retry_after_secs: 60,
            },
            E::AlreadyReserved
            | E::OwnTicket
            | E::AlreadyPaid
            | E::Expired
            | E::Cancelled
            | E::NoLongerPayable
            | E::CannotCancelComplete
            | E::Refunded
            | E::Refused(_) => Self::BadRequest(err.to_string()),
        }
    }
}
