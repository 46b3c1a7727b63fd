//! The pages' cookies: HttpOnly, SameSite=Lax, for the whole site.

use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum_extra::extract::cookie::{Cookie, SameSite};

pub(crate) fn page_cookie(name: &'static str, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(name, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie
}

pub(crate) fn append_cookie(headers: &mut HeaderMap, cookie: Cookie<'_>) {
    if let Ok(value) = cookie.encoded().to_string().parse() {
        headers.append(SET_COOKIE, value);
    }
}
