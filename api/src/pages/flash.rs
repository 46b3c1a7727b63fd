//! Flash: a POST answers with a redirect (POST-redirect-GET). What the next page must show, a
//! notice or the rejected form with its errors, travels in a short-lived signed cookie addressed to
//! that page's path, and is cleared once shown.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use boxoffice_web::view::{CSRF_FIELD, Form, FormError};
use serde::{Deserialize, Serialize};

use crate::auth::SessionKeys;
use crate::pages::cookies::append_cookie;

const FLASH_COOKIE: &str = "flash";
/// A flash that was not shown within this time is stale.
const FLASH_SECS: i64 = 300;
/// Flashed input is for showing a form again; a huge rejected value is cut short.
/// (Titles are at most 200 characters; a cookie holds about 4 KB.)
const MAX_FLASHED_CHARS: usize = 256;

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
        Ok(token) => append_cookie(
            response.headers_mut(),
            keys.cookie(FLASH_COOKIE, token, false),
        ),
        Err(err) => tracing::warn!(error = %err, "could not sign a flash"),
    }
    response
}

/// The flash a request finds: what its page shows, and whether the response must clear the
/// cookie. A flash is shown once, by a GET of the page it was left for; one that is forged or
/// stale is dropped by any GET. Other pages (and the assets a page loads) leave it alone.
pub(crate) fn take(jar: &CookieJar, keys: &SessionKeys, is_get: bool, path: &str) -> (Flash, bool) {
    let claims = jar
        .get(&keys.cookie_name(FLASH_COOKIE))
        .map(|cookie| keys.verify::<FlashClaims>(cookie.value()));
    let clear = is_get
        && match &claims {
            Some(Some(claims)) => claims.path == path,
            Some(None) => true,
            None => false,
        };
    let flash = claims
        .flatten()
        .filter(|claims| is_get && claims.path == path)
        .map(|claims| claims.flash)
        .unwrap_or_default();
    (flash, clear)
}

/// Clears the flash cookie (it has been shown, or it was no good).
pub(crate) fn clear(headers: &mut HeaderMap, keys: &SessionKeys) {
    append_cookie(headers, keys.removal(FLASH_COOKIE));
}
