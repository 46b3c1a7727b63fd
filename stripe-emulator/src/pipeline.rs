//! What every `/v1` request goes through around its handler, in Stripe's order: injected
//! failure, authentication, idempotency, then the handler; and afterwards any injected delay.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::StripeEmulator;
use crate::auth::{self, KeyPolicy};
use crate::errors::ApiError;
use crate::idempotency;
use crate::ids::new_id;
use crate::request_context::RequestContext;

/// The middleware for a group of routes that take the keys `policy` allows.
pub(crate) async fn handle(
    State((emulator, policy)): State<(StripeEmulator, KeyPolicy)>,
    request: Request,
    next: Next,
) -> Response {
    let request_id = new_id("req");
    let idempotency_key = match request.method() {
        // Stripe ignores idempotency keys on reads.
        &Method::POST => request
            .headers()
            .get("idempotency-key")
            .and_then(|value| value.to_str().ok())
            .filter(|key| !key.is_empty())
            .map(str::to_owned),
        _ => None,
    };
    let stripe_version = request
        .headers()
        .get("stripe-version")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let context = RequestContext {
        request_id: request_id.clone(),
        idempotency_key: idempotency_key.clone(),
        stripe_version,
    };

    let mut response = respond(&emulator, policy, context, request, next).await;

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", value);
    }
    if let Some(value) = idempotency_key.and_then(|key| HeaderValue::from_str(&key).ok()) {
        headers.insert("idempotency-key", value);
    }
    // Only now, after the request took effect and its idempotent result was saved: a client that
    // gives up waiting and retries with the same key must get the saved response.
    emulator.shared.faults.delay_response().await;
    response
}

async fn respond(
    emulator: &StripeEmulator,
    policy: KeyPolicy,
    context: RequestContext,
    mut request: Request,
    next: Next,
) -> Response {
    if emulator.shared.faults.take_failure() {
        return ApiError::internal().into_response();
    }
    let api_key = match auth::authenticate(request.headers(), policy) {
        Ok(api_key) => api_key,
        Err(err) => return err.into_response(),
    };
    let idempotency_key = context.idempotency_key.clone();
    request.extensions_mut().insert(context);
    match idempotency_key {
        Some(key) => {
            idempotency::run(&emulator.shared.idempotency, &api_key, key, request, next).await
        }
        None => run_to_completion(request, next).await,
    }
}

/// Runs the handler in its own task: if the client hangs up mid-request, the request still takes
/// effect completely, as it would on Stripe, instead of being cancelled halfway.
async fn run_to_completion(request: Request, next: Next) -> Response {
    tokio::spawn(next.run(request))
        .await
        .unwrap_or_else(|_| ApiError::internal().into_response())
}

/// Lets a page on another origin call the browser-facing endpoints, as Stripe.js does.
pub(crate) async fn cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        // A preflight: answer it here, before authentication, which it never carries.
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        let headers = preflight.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "Authorization, Content-Type, Idempotency-Key, Stripe-Version",
            ),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        preflight
    } else {
        next.run(request).await
    };
    // No cookies are involved, so any origin may read responses.
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
