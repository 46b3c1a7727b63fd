//! Failures on pages. They become a redirect (sign in first) or an error page in the site's frame:
//! a handler's response carries an [`ErrorPage`] marker, and the page middleware renders it with
//! the request's header (who is signed in), which the handler's error cannot see.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use boxoffice_web::view::{Chrome, Page};

use crate::backpressure::{RETRY_AFTER_SECS, Saturated};
use crate::domain::FieldError;
use crate::error::BUSY;
use crate::failure::Failure;

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

/// What a page that could not be shown says instead.
impl<E> From<E> for PageError
where
    Failure: From<E>,
{
    fn from(err: E) -> Self {
        match Failure::from(err) {
            // Someone else's record is none of your business: the page does not say it exists.
            // A page past the end, or a cursor someone made up, is no page either.
            Failure::NotFound | Failure::NotYours | Failure::Invalid(_) => Self::NotFound,
            Failure::Busy(what) => Self::Busy(what),
            Failure::Internal(err) => Self::Internal(err),
            refused => Self::BadRequest(refused.to_string()),
        }
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

impl<E> From<E> for Refusal
where
    Failure: From<E>,
{
    fn from(err: E) -> Self {
        match Failure::from(err) {
            Failure::Invalid(errors) => Self::Messages(errors),
            // Someone else's order, like one that does not exist, is not found.
            Failure::NotFound | Failure::NotYours => Self::NotFound,
            Failure::Busy(_) => Self::message(BUSY),
            Failure::Internal(err) => Self::Internal(err),
            refused => Self::message(refused.to_string()),
        }
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
