//! `GET /js/v3/stripe.js`: a small stand-in for Stripe.js (see `stripe.js` beside this file), so
//! the checkout page works offline against the emulator.

use axum::http::header;
use axum::response::IntoResponse;

const SCRIPT: &str = include_str!("stripe.js");

pub(crate) async fn serve() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Always the emulator's current script during development.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
}
