//! What every page request carries besides its own input: who is signed in, the CSRF token for its
//! forms, and the flash left by the POST that redirected here.
//!
//! CSRF: a random nonce lives in an HttpOnly cookie; forms carry HMAC(secret, nonce). A cross-site
//! page can neither read the cookie nor compute the token, and a planted cookie is useless without
//! the secret. On top of that, a POST whose `Origin` names another host is refused.
//!
//! Flash: a POST answers with a redirect (POST-redirect-GET). What the next page must show, a
//! notice or the rejected form with its errors, travels in a short-lived signed cookie addressed to
//! that page's path, and is cleared once shown.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use boxoffice_web::view::{CSRF_FIELD, Chrome, Form, FormError};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::auth::{CurrentUser, SessionKeys, SessionUser};
use crate::pages::error::{ErrorPage, PageError};
use crate::state::AppState;

const CSRF_COOKIE: &str = "csrf";
const FLASH_COOKIE: &str = "flash";
/// A flash that was not shown within this time is stale.
const FLASH_SECS: i64 = 300;
/// Flashed input is for showing a form again; a huge rejected value is cut short.
/// (Titles are at most 200 characters; a cookie holds about 4 KB.)
const MAX_FLASHED_CHARS: usize = 256;

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

    /// The signed-in user, or a redirect to sign in that comes back to `here`.
    pub fn require_user(&self, here: &str) -> Result<&SessionUser, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError::SignInFirst(here.to_owned()))
    }

    pub(crate) fn verify_csrf(&self, token: &str, keys: &SessionKeys) -> bool {
        keys.verify_csrf(&self.csrf_nonce, token)
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

/// What a redirecting POST leaves for the page it redirects to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Flash {
    #[serde(default)]
    pub notice: Option<String>,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    #[serde(default)]
    pub errors: Vec<(Option<String>, String)>,
}

impl Flash {
    pub fn notice(text: impl Into<String>) -> Self {
        Self {
            notice: Some(text.into()),
            ..Self::default()
        }
    }

    /// A rejected form: the input to show again (never passwords) and its errors.
    pub fn rejected(
        values: BTreeMap<String, String>,
        errors: Vec<(Option<String>, String)>,
    ) -> Self {
        let values = values
            .into_iter()
            .filter(|(name, _)| !name.contains("password") && name != CSRF_FIELD)
            .map(|(name, value)| (name, value.chars().take(MAX_FLASHED_CHARS).collect()))
            .collect();
        Self {
            notice: None,
            values,
            errors,
        }
    }

    /// The flashed form, or `fallback` when nothing was flashed.
    pub fn form_or(&self, fallback: impl FnOnce() -> Form) -> Form {
        if self.values.is_empty() && self.errors.is_empty() {
            return fallback();
        }
        Form {
            values: self.values.clone(),
            errors: self
                .errors
                .iter()
                .map(|(field, message)| FormError {
                    field: field.clone(),
                    message: message.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct FlashClaims {
    path: String,
    exp: i64,
    #[serde(flatten)]
    flash: Flash,
}

/// A `303 See Other` to `location`, leaving `flash` for it.
pub fn redirect_with(location: &str, flash: Flash, keys: &SessionKeys) -> Response {
    let path = location.split('?').next().unwrap_or(location).to_owned();
    let claims = FlashClaims {
        path,
        exp: chrono::Utc::now().timestamp() + FLASH_SECS,
        flash,
    };
    let mut response = Redirect::to(location).into_response();
    match keys.sign(&claims) {
        Ok(token) => append_cookie(response.headers_mut(), page_cookie(FLASH_COOKIE, token)),
        Err(err) => tracing::warn!(error = %err, "could not sign a flash"),
    }
    response
}

fn page_cookie(name: &'static str, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(name, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie
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
    let existing_nonce = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|nonce| nonce.len() == NONCE_HEX_LEN);
    let csrf_nonce = existing_nonce.clone().unwrap_or_else(new_nonce);
    let is_get = parts.method == Method::GET;
    // A flash is shown once, by a GET of the page it was left for; one that is forged or stale
    // is dropped by any GET. Other pages (and the assets a page loads) leave it alone.
    let claims = jar
        .get(FLASH_COOKIE)
        .map(|cookie| keys.verify::<FlashClaims>(cookie.value()));
    let drop_flash = is_get
        && match &claims {
            Some(Some(claims)) => claims.path == parts.uri.path(),
            Some(None) => true,
            None => false,
        };
    let flash = claims
        .flatten()
        .filter(|claims| is_get && claims.path == parts.uri.path())
        .map(|claims| claims.flash)
        .unwrap_or_default();
    let CurrentUser(user) = CurrentUser::from_request_parts(&mut parts, &state)
        .await
        .unwrap_or_else(|never| match never {});
    let context = PageContext {
        user,
        csrf_token: keys.csrf_token(&csrf_nonce),
        csrf_nonce: csrf_nonce.clone(),
        flash,
        hold: hold_in_words(state.settings.hold_secs),
    };

    let mut response = if parts.method == Method::POST && !same_origin(&parts.headers) {
        PageError::Forbidden.into_response()
    } else {
        parts.extensions.insert(context.clone());
        next.run(Request::from_parts(parts, body)).await
    };

    if let Some(page) = response.extensions_mut().remove::<ErrorPage>() {
        response = page.render(&context.chrome());
    }
    let headers = response.headers_mut();
    if existing_nonce.is_none() {
        append_cookie(headers, page_cookie(CSRF_COOKIE, csrf_nonce));
    }
    if drop_flash {
        let mut removal = Cookie::from(FLASH_COOKIE);
        removal.set_path("/");
        removal.make_removal();
        append_cookie(headers, removal);
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

fn append_cookie(headers: &mut HeaderMap, cookie: Cookie<'_>) {
    if let Ok(value) = cookie.encoded().to_string().parse() {
        headers.append(SET_COOKIE, value);
    }
}

const NONCE_HEX_LEN: usize = 64;

fn new_nonce() -> String {
    let mut bytes = [0u8; NONCE_HEX_LEN / 2];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A browser names the page that sent a POST in `Origin`; it must be this site. Requests without
/// `Origin` (older browsers, non-browser clients) still need the CSRF token.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}
