//! The gateway's router: every route and page over the shared state (`state`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::failure::Failure;
use crate::metrics;
use crate::openapi::{ApiDoc, CommonResponses};
use crate::pages;
use crate::routes::{
    health, listings, orders, payments, support, tickets, users, waitlist, webhooks,
};
use crate::security;
pub use crate::state::{AppState, Reader, Settings, StripeSettings};

/// Request bodies are small JSON documents; anything bigger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every documented route, and the spec that documents them: one cannot exist without the other.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut spec) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::signup))
        .routes(routes!(users::signin))
        .routes(routes!(users::signout))
        .routes(routes!(users::signout_everywhere))
        .routes(routes!(users::current_user))
        .routes(routes!(users::verify))
        .routes(routes!(users::password_reset))
        .routes(routes!(users::password_reset_confirm))
        .routes(routes!(tickets::create, tickets::list))
        .routes(routes!(tickets::show, tickets::update, tickets::withdraw))
        .routes(routes!(listings::mine))
        .routes(routes!(listings::totals))
        .routes(routes!(waitlist::join, waitlist::leave, waitlist::show))
        .routes(routes!(orders::create, orders::list))
        .routes(routes!(orders::show, orders::cancel))
        .routes(routes!(payments::create))
        .routes(routes!(webhooks::stripe))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .split_for_parts();
    CommonResponses.modify(&mut spec);
    (router, spec)
}

pub fn router(state: AppState) -> Router {
    let (documented, spec) = routes();
    let spec = Arc::new(spec);
    let mut documented = documented.route(
        "/api/openapi.json",
        get(move || {
            let spec = spec.clone();
            async move { axum::Json((*spec).clone()) }
        }),
    );
    // Staff only, and to everyone else as if they did not exist: not in the public spec.
    documented = documented
        .route("/api/support/orders", get(support::orders))
        .route(
            "/api/support/orders/{id}/refund",
            axum::routing::post(support::refund),
        );
    if state.settings.public_metrics {
        documented = documented.route("/metrics", get(metrics::serve));
    }
    documented
        // Requests to routes are timed by route; the pages time their own (see `pages::router`).
        .route_layer(axum::middleware::from_fn(metrics::record_http))
        // Everything outside the documented API: the storefront's pages, and the 404s.
        .fallback_service(pages::router(state.clone()))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(mark_reads))
        .layer(CatchPanicLayer::custom(panic_response))
        // Outside the panic catcher, so a 500 for a panic carries them too.
        .layer(axum::middleware::from_fn_with_state(
            state.security.clone(),
            security::headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(access_line),
        )
        .with_state(state)
}

/// Every log line of a request carries this span's fields. Handlers about one order fill in
/// `order_id` and `workflow_id` (see `purchases::about_order`), so support can go from any of
/// those lines to the order's workflow.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        order_id = tracing::field::Empty,
        workflow_id = tracing::field::Empty,
    )
}

/// One line per answer, in the request's span (so a line about an order names the order and its
/// workflow). Changes and failures at INFO; successful reads at DEBUG (`RUST_LOG=boxoffice_api=debug`):
/// at thousands of page views a second, an INFO line each cost more than rendering the page.
fn access_line(response: &Response, latency: Duration, span: &tracing::Span) {
    let _ = span;
    let status = response.status().as_u16();
    let latency_ms = latency.as_millis();
    if response.extensions().get::<QuietRead>().is_some() && status < 400 {
        tracing::debug!(status, latency_ms, "answered");
    } else {
        tracing::info!(status, latency_ms, "answered");
    }
}

/// Marks the answer to a GET or HEAD: logged at DEBUG when it succeeds.
#[derive(Clone, Copy)]
struct QuietRead;

async fn mark_reads(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let read = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let mut response = next.run(request).await;
    if read {
        response.extensions_mut().insert(QuietRead);
    }
    response
}

/// A panic in a handler is a bug; the client still gets the contract's error shape.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::from(Failure::Internal(anyhow::anyhow!("handler panicked"))).into_response()
}
