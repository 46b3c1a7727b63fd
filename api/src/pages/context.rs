//! What every page request carries besides its own input: who is signed in, the CSRF token for its
//! forms (`csrf`), and the flash left by the POST that redirected here (`flash`); and the
//! middleware that builds it around every page.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use boxoffice_web::view::Chrome;

use crate::auth::{SessionKeys, SessionUser};
use crate::extract::CurrentUser;
use crate::pages::csrf::Nonce;
use crate::pages::error::{ErrorPage, PageError};
use crate::pages::flash::{self, Flash};
use crate::security;
use crate::state::AppState;

/// The request's page context, put in its extensions by [`frame`].
#[derive(Debug, Clone)]
pub struct PageContext {
    pub user: Option<SessionUser>,
    pub csrf_token: String,
    csrf_nonce: String,
    pub flash: Flash,
    hold: String,
}

impl PageContext {
    pub fn chrome(&self) -> Chrome {
        Chrome {
            signed_in: self.user.as_ref().map(|user| user.email.clone()),
            csrf_token: self.csrf_token.clone(),
            notice: self.flash.notice.clone(),
            hold: self.hold.clone(),
        }
    }

    /// Whether a page looks the same for this request as for any visitor who is not signed in:
    /// nobody is signed in and there is no notice to show. Such a page may be shared.
    pub fn is_any_visitor(&self) -> bool {
        self.user.is_none() && self.flash.notice.is_none()
    }

    /// The signed-in user, or a redirect to sign in that comes back to `here`.
    pub fn require_user(&self, here: &str) -> Result<&SessionUser, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError::SignInFirst(here.to_owned()))
    }

    pub(crate) fn verify_csrf(&self, token: &str, keys: &SessionKeys) -> bool {
        let session = self.user.as_ref().map(|user| user.session_id);
        keys.verify_csrf(&self.csrf_nonce, session, token)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageContext {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            PageError::Internal(anyhow::anyhow!("page handler outside the page router"))
        })
    }
}

/// Middleware around every page: builds the [`PageContext`], refuses cross-origin POSTs, mints
/// the CSRF cookie on first visit, consumes the flash, and renders error pages in the site's frame.
pub async fn frame(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let keys = state.sessions.clone();
    let jar = CookieJar::from_headers(&parts.headers);
    let nonce = Nonce::of(&jar, &keys);
    let (flash, clear_flash) =
        flash::take(&jar, &keys, parts.method == Method::GET, parts.uri.path());
    let CurrentUser(user) = CurrentUser::from_request_parts(&mut parts, &state)
        .await
        .unwrap_or_else(|never| match never {});
    let csrf_token = keys.csrf_token(&nonce.value, user.as_ref().map(|user| user.session_id));
    let context = PageContext {
        user,
        csrf_token,
        csrf_nonce: nonce.value.clone(),
        flash,
        hold: hold_in_words(state.settings.saga.hold_secs),
    };

    let mut response = if parts.method == Method::POST && !security::same_origin(&parts.headers) {
        PageError::Forbidden.into_response()
    } else {
        parts.extensions.insert(context.clone());
        next.run(Request::from_parts(parts, body)).await
    };

    if let Some(page) = response.extensions_mut().remove::<ErrorPage>() {
        response = page.render(&context.chrome());
    }
    let headers = response.headers_mut();
    nonce.set_if_new(headers, &keys);
    if clear_flash {
        flash::clear(headers, &keys);
    }
    response
}

/// "15 minutes", "90 seconds": what shoppers read about the hold.
fn hold_in_words(secs: u64) -> String {
    match secs {
        60 => "1 minute".to_owned(),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}
