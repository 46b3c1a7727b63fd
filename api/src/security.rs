//! Security headers on every response, pages and API alike: a Content-Security-Policy that lets
//! the pages load only their own assets and Stripe.js (wherever the shop loads it from), no
//! framing, no MIME sniffing, a strict referrer, HSTS over HTTPS, and no caching of anything
//! answered to a signed-in request.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

use crate::auth;

/// The fixed headers, built once from the settings.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    fixed: Vec<(HeaderName, HeaderValue)>,
    /// Whether every response says HSTS (the shop is served over HTTPS), not only those whose
    /// proxy says the browser used it.
    always_https: bool,
}

const REAL_STRIPE_JS_ORIGIN: &str = "https://js.stripe.com";

impl SecurityHeaders {
    /// `stripe_js_url` is where the pages load Stripe.js from: real Stripe's, or the emulator's
    /// stand-in, which talks to the emulator at its own origin.
    pub fn new(stripe_js_url: &str, always_https: bool) -> Self {
        let stripe = origin_of(stripe_js_url).unwrap_or_else(|| REAL_STRIPE_JS_ORIGIN.to_owned());
        let (frames, api) = if stripe == REAL_STRIPE_JS_ORIGIN {
            (
                format!("{stripe} https://hooks.stripe.com"),
                "https://api.stripe.com".to_owned(),
            )
        } else {
            (stripe.clone(), stripe.clone())
        };
        let policy = format!(
            "default-src 'self'; script-src 'self' {stripe}; frame-src {frames}; \
             connect-src 'self' {api}; img-src 'self' data:; style-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        let fixed = [
            (header::CONTENT_SECURITY_POLICY, policy.as_str()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, HeaderValue::from_str(value).ok()?)))
        .collect();
        Self {
            fixed,
            always_https,
        }
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(parsed.origin().ascii_serialization()).filter(|origin| origin != "null")
}

pub async fn headers(
    State(security): State<Arc<SecurityHeaders>>,
    request: Request,
    next: Next,
) -> Response {
    let https = security.always_https || auth::is_https(request.headers());
    let signed_in = auth::has_session_cookie(request.headers());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in &security.fixed {
        headers.insert(name.clone(), value.clone());
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // Public assets say how long they keep; anything else answered to a signed-in browser is its
    // own and must not be kept.
    if signed_in && !headers.contains_key(header::CACHE_CONTROL) {
        no_store(headers);
    }
    response
}

/// What was answered to one person must not be kept by a browser or a proxy.
fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A browser names the page that sent a POST in `Origin`; it must be this site. Requests without
/// `Origin` (older browsers, non-browser clients) still need the CSRF token.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(headers: &SecurityHeaders) -> &str {
        headers.fixed[0].1.to_str().unwrap()
    }

    #[test]
    fn the_policy_allows_real_stripe_js_and_its_api() {
        let headers = SecurityHeaders::new("https://js.stripe.com/v3/", false);
        let policy = policy(&headers);
        assert!(
            policy.contains("script-src 'self' https://js.stripe.com;"),
            "{policy}"
        );
        assert!(
            policy.contains("connect-src 'self' https://api.stripe.com;"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }

    #[test]
    fn the_policy_allows_the_emulators_stand_in_at_its_origin() {
        let headers = SecurityHeaders::new("http://127.0.0.1:12111/js/v3/stripe.js", false);
        let policy = policy(&headers);
        assert!(
            policy.contains("script-src 'self' http://127.0.0.1:12111;"),
            "{policy}"
        );
        assert!(
            policy.contains("connect-src 'self' http://127.0.0.1:12111;"),
            "{policy}"
        );
    }
}
