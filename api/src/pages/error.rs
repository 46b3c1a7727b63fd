//! Failures on pages. They become a redirect (sign in first) or an error page in the site's frame:
//! a handler's response carries an [`ErrorPage`] marker, and the page middleware renders it with
//! the request's header (who is signed in), which the handler's error cannot see.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use boxoffice_web::view::{Chrome, Page};

use boxoffice_activities::store::StoreError;

use crate::accounts::AccountError;
use crate::backpressure::{RETRY_AFTER_SECS, Saturated, shed};
use crate::domain::{FieldError, Invalid};
use crate::error::BUSY;
use crate::limits::Limited;
use crate::listing::ListingError;
use crate::purchases::PurchaseError;
use crate::waitlist::WaitlistError;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    /// The page needs a signed-in user; the path is where to come back to.
    #[error("sign in first")]
    SignInFirst(String),
    /// A form without a valid CSRF token, or posted from another site.
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Shed under load (`backpressure::shed` counted it).
    #[error(transparent)]
    Busy(Saturated),
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<StoreError> for PageError {
    /// For reads: what a page cannot show.
    fn from(err: StoreError) -> Self {
        match err {
            // Someone else's record is none of your business: the page does not say it exists.
            StoreError::NotFound | StoreError::NotOwner => Self::NotFound,
            err if err.is_saturation() => shed(Saturated::Database).into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<ListingError> for PageError {
    fn from(err: ListingError) -> Self {
        match err {
            // A page past the end, or a cursor someone made up.
            ListingError::Invalid(_) | ListingError::NoSuchPage => Self::NotFound,
            ListingError::Store(err) => err.into(),
        }
    }
}

impl From<WaitlistError> for PageError {
    fn from(err: WaitlistError) -> Self {
        match err {
            WaitlistError::NotFound => Self::NotFound,
            WaitlistError::Store(err) => err.into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<WaitlistError> for Refusal {
    fn from(err: WaitlistError) -> Self {
        match err {
            WaitlistError::NotFound => Self::NotFound,
            WaitlistError::Store(err) => err.into(),
            other => Self::message(other.to_string()),
        }
    }
}

impl From<PurchaseError> for PageError {
    fn from(err: PurchaseError) -> Self {
        match err {
            PurchaseError::NotFound | PurchaseError::NotYours => Self::NotFound,
            PurchaseError::Store(err) => err.into(),
            PurchaseError::Busy(what) => what.into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<Saturated> for PageError {
    fn from(what: Saturated) -> Self {
        Self::Busy(what)
    }
}

/// A form that was refused: back to the form with these messages (see `Fields::refused`), unless
/// the thing it was about does not exist, or it is not the user's input that is wrong.
#[derive(Debug)]
pub enum Refusal {
    /// Messages for the form, by field or (without one) for the whole form.
    Messages(Vec<FieldError>),
    NotFound,
    Internal(anyhow::Error),
}

impl Refusal {
    /// A message for the whole form.
    pub fn message(text: impl Into<String>) -> Self {
        Self::Messages(vec![FieldError {
            message: text.into(),
            field: None,
        }])
    }
}

impl From<Invalid> for Refusal {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::Messages(errors)
    }
}

impl From<FieldError> for Refusal {
    fn from(error: FieldError) -> Self {
        Self::Messages(vec![error])
    }
}

impl From<Limited> for Refusal {
    fn from(limited: Limited) -> Self {
        Self::message(limited.to_string())
    }
}

impl From<Saturated> for Refusal {
    fn from(_: Saturated) -> Self {
        Self::message(BUSY)
    }
}

impl From<StoreError> for Refusal {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::EmailInUse => FieldError::new("email", err.to_string()).into(),
            StoreError::NotOwner | StoreError::TicketReserved | StoreError::VersionConflict => {
                Self::message(err.to_string())
            }
            err if err.is_saturation() => shed(Saturated::Database).into(),
            StoreError::Db(db) => Self::Internal(db.into()),
        }
    }
}

impl From<AccountError> for Refusal {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::EmailInUse => FieldError::new("email", err.to_string()).into(),
            AccountError::InvalidCredentials => Self::message(err.to_string()),
            AccountError::Busy(what) => what.into(),
            AccountError::Store(err) => err.into(),
            AccountError::Hashing(message) => Self::Internal(anyhow::anyhow!(message)),
        }
    }
}

impl From<PurchaseError> for Refusal {
    fn from(err: PurchaseError) -> Self {
        match err {
            // Someone else's order, like one that does not exist, is not found.
            PurchaseError::NotFound | PurchaseError::NotYours => Self::NotFound,
            PurchaseError::PaymentRefused(message) => FieldError::new("token", message).into(),
            PurchaseError::Busy(what) => what.into(),
            PurchaseError::Store(err) => err.into(),
            PurchaseError::Temporal(err) => Self::Internal(err),
            other => Self::message(other.to_string()),
        }
    }
}

impl From<jsonwebtoken::errors::Error> for Refusal {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        Self::Internal(anyhow::Error::new(err).context("could not sign a session"))
    }
}

/// Marks a response as "render this error page here".
#[derive(Debug, Clone)]
pub struct ErrorPage {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            title,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Page not found",
            "There is nothing here. The link may be old, or the ticket or order may not exist.",
        )
    }

    /// The error page in the site's frame (`chrome`: who is signed in, the flash).
    pub fn render(&self, chrome: &Chrome) -> Response {
        let page = Page::Error {
            status: self.status.as_u16(),
            title: self.title.to_owned(),
            message: self.message.clone(),
        };
        let html = boxoffice_web::render(chrome, &page);
        (self.status, Html(html)).into_response()
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound => ErrorPage::not_found().into_response(),
            Self::SignInFirst(back_to) => Redirect::to(&format!(
                "/auth/signin?next={}",
                url::form_urlencoded::byte_serialize(back_to.as_bytes()).collect::<String>()
            ))
            .into_response(),
            Self::Forbidden => ErrorPage::new(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your safety we did not accept it. Go back, reload the page and try again.",
            )
            .into_response(),
            Self::BadRequest(message) => {
                ErrorPage::new(StatusCode::BAD_REQUEST, "That did not work", message)
                    .into_response()
            }
            Self::MethodNotAllowed => ErrorPage::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "That did not work",
                "This page cannot be used that way.",
            )
            .into_response(),
            Self::Busy(_) => {
                let mut response =
                    ErrorPage::new(StatusCode::SERVICE_UNAVAILABLE, "The shop is busy", BUSY)
                        .into_response();
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(RETRY_AFTER_SECS),
                );
                response
            }
            Self::Internal(err) => {
                tracing::error!(error = ?err, "page failed");
                server_error()
            }
        }
    }
}

pub fn server_error() -> Response {
    ErrorPage::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Sorry, that is our fault. Please try again in a moment.",
    )
    .into_response()
}
