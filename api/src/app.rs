//! The gateway: shared state and the router.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use temporalio_client::Client;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Accounts;
use crate::auth::SessionKeys;
use crate::backpressure::TemporalGate;
use crate::error::ApiError;
use crate::metrics;
use crate::openapi::ApiDoc;
use crate::pages;
use crate::passwords::PasswordHasher;
use crate::routes::{health, orders, payments, tickets, users, webhooks};

/// Request bodies are small JSON documents; anything bigger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler may need. Cheap to clone: each field is a handle.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// For writes, and reads inside a transaction.
    pub db: DatabaseConnection,
    pub reader: Reader,
    pub sessions: Arc<SessionKeys>,
    pub temporal: Client,
    pub settings: Arc<Settings>,
    /// The Temporal SDK metrics of the worker in this process, if one runs here (`dev`).
    pub sdk_metrics: metrics::SdkMetrics,
    pub accounts: Accounts,
    /// Bounds this gateway's in-flight Temporal calls.
    pub temporal_gate: TemporalGate,
}

impl AppState {
    /// The gateway's state, as `serve`, `dev` and the tests build it.
    pub fn new(
        db: DatabaseConnection,
        reader: DatabaseConnection,
        temporal: Client,
        sessions: SessionKeys,
        settings: Settings,
    ) -> Self {
        Self {
            accounts: Accounts {
                db: db.clone(),
                reader: reader.clone(),
                passwords: PasswordHasher::per_core(),
            },
            db,
            reader: Reader(reader),
            sessions: Arc::new(sessions),
            temporal,
            settings: Arc::new(settings),
            sdk_metrics: metrics::SdkMetrics::default(),
            temporal_gate: TemporalGate::default(),
        }
    }
}

/// The pool for reads that need no transaction (see `db::connect_reader`): on SQLite connections
/// of their own beside the single writer, on Postgres the writer's pool.
#[derive(Debug, Clone)]
pub struct Reader(pub DatabaseConnection);

/// Gateway settings that handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an order holds its ticket.
    pub hold_secs: u64,
    /// How long a won admission claim keeps others off the ticket while its saga starts.
    pub claim_lease: Duration,
    /// The task queue purchase workflows run on.
    pub task_queue: String,
    /// Verifies `Stripe-Signature` on webhooks; without it webhooks are refused.
    pub stripe_webhook_secret: Option<SecretString>,
    /// For Stripe.js on the pages.
    pub stripe_publishable_key: Option<String>,
    /// Where the pages load Stripe.js from (the emulator's stand-in in dev and tests).
    pub stripe_js_url: String,
}

impl Settings {
    pub const REAL_STRIPE_JS: &str = "https://js.stripe.com/v3/";
}

/// Every documented route, and the spec that documents them: one cannot exist without the other.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::signup))
        .routes(routes!(users::signin))
        .routes(routes!(users::signout))
        .routes(routes!(users::current_user))
        .routes(routes!(tickets::create, tickets::list))
        .routes(routes!(tickets::show, tickets::update))
        .routes(routes!(orders::create, orders::list))
        .routes(routes!(orders::show, orders::cancel))
        .routes(routes!(payments::create))
        .routes(routes!(webhooks::stripe))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (documented, spec) = routes();
    let spec = Arc::new(spec);
    documented
        .route(
            "/api/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move { axum::Json((*spec).clone()) }
            }),
        )
        .route("/metrics", get(metrics::serve))
        // Requests to routes are timed by route; the pages time their own (see `pages::router`).
        .route_layer(axum::middleware::from_fn(metrics::record_http))
        // Everything outside the documented API: the storefront's pages, and the 404s.
        .fallback_service(pages::router(state.clone()))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
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

/// A panic in a handler is a bug; the client still gets the contract's error shape.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}
