//! CSRF: a random nonce lives in an HttpOnly cookie; forms carry HMAC(secret, nonce, session). A
//! cross-site page can neither read the cookie nor compute the token, a planted cookie is useless
//! without the secret, and a token stops working when its session ends. On top of that, a POST
//! whose `Origin` names another host is refused (`security::same_origin`).

use axum::http::HeaderMap;
use axum_extra::extract::CookieJar;
use rand::RngCore;

use crate::auth::SessionKeys;
use crate::pages::cookies::append_cookie;

const CSRF_COOKIE: &str = "csrf";

/// The browser's CSRF nonce: the one its cookie holds, or a new one the response must set.
pub(crate) struct Nonce {
    pub value: String,
    is_new: bool,
}

impl Nonce {
    pub fn of(jar: &CookieJar, keys: &SessionKeys) -> Self {
        match jar
            .get(&keys.cookie_name(CSRF_COOKIE))
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
    pub fn set_if_new(self, headers: &mut HeaderMap, keys: &SessionKeys) {
        if self.is_new {
            append_cookie(headers, keys.cookie(CSRF_COOKIE, self.value, false));
        }
    }
}

const NONCE_HEX_LEN: usize = 64;

fn new_nonce() -> String {
    let mut bytes = [0u8; NONCE_HEX_LEN / 2];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
