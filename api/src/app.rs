//! The gateway: shared state and the router.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sea_orm::DatabaseConnection;
use temporalio_client::Client;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::auth::SessionKeys;
use crate::error::ApiError;
use crate::routes::{health, tickets, users};

/// Request bodies are small JSON documents; anything bigger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler may need. Cheap to clone: each field is a handle.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub sessions: Arc<SessionKeys>,
    pub temporal: Client,
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/users/signup", post(users::signup))
        .route("/users/signin", post(users::signin))
        .route("/users/signout", post(users::signout))
        .route("/users/currentuser", get(users::current_user))
        .route("/tickets", post(tickets::create).get(tickets::list))
        .route("/tickets/{id}", get(tickets::show).put(tickets::update));

    Router::new()
        .nest("/api", api)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(health::not_found)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A panic in a handler is a bug; the client still gets the contract's error shape.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}
