//! Setting the pages' cookies (`SessionKeys::cookie` makes them) on a response.

use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum_extra::extract::cookie::Cookie;

pub(crate) fn append_cookie(headers: &mut HeaderMap, cookie: Cookie<'_>) {
    if let Ok(value) = cookie.encoded().to_string().parse() {
        headers.append(SET_COOKIE, value);
    }
}
