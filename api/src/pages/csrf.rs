//! CSRF: a random nonce lives in an HttpOnly cookie; forms carry HMAC(secret, nonce). A cross-site
//! page can neither read the cookie nor compute the token, and a planted cookie is useless without
//! the secret. On top of that, a POST whose `Origin` names another host is refused.

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum_extra::extract::CookieJar;
use rand::RngCore;

use crate::pages::cookies::{append_cookie, page_cookie};

const CSRF_COOKIE: &str = "csrf";

/// The browser's CSRF nonce: the one its cookie holds, or a new one the response must set.
pub(crate) struct Nonce {
    pub value: String,
    is_new: bool,
}

impl Nonce {
    pub fn of(jar: &CookieJar) -> Self {
        match jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|nonce| nonce.len() == NONCE_HEX_LEN)
        {
            Some(value) => Self {
                value,
                is_new: false,
            },
            None => Self {
                value: new_nonce(),
                is_new: true,
            },
        }
    }

    /// Sets the cookie on the response when the nonce is new.
    pub fn set_if_new(self, headers: &mut HeaderMap) {
        if self.is_new {
            append_cookie(headers, page_cookie(CSRF_COOKIE, self.value));
        }
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
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}
