//! Failures on pages. They become a redirect (sign in first) or an error page in the site's frame:
//! a handler's response carries an [`ErrorPage`] marker, and the page middleware renders it with
//! the request's header (who is signed in), which the handler's error cannot see.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use boxoffice_web::view::Page;

use crate::error::ApiError;
use crate::pages::context::PageContext;

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
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<ApiError> for PageError {
    /// For reads: what a page cannot show. Form submissions turn `ApiError`s into flashed form
    /// errors instead (see `forms`).
    fn from(err: ApiError) -> Self {
        match err {
            // Someone else's order is none of your business: the page does not say it exists.
            ApiError::NotFound | ApiError::NoRoute | ApiError::Unauthorized => Self::NotFound,
            ApiError::Internal(err) => Self::Internal(err),
            other => Self::Internal(anyhow::anyhow!("unexpected error on a page: {other}")),
        }
    }
}

impl From<boxoffice_activities::store::StoreError> for PageError {
    fn from(err: boxoffice_activities::store::StoreError) -> Self {
        ApiError::from(err).into()
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

    pub fn render(&self, context: &PageContext) -> Response {
        let page = Page::Error {
            status: self.status.as_u16(),
            title: self.title.to_owned(),
            message: self.message.clone(),
        };
        let html = boxoffice_web::render(&context.chrome(), &page);
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
