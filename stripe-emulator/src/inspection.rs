//! `/_emulator/`: not Stripe's API, but test and dev controls over HTTP, mirroring the in-process
//! methods on `StripeEmulator`.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::StripeEmulator;

pub(crate) fn router() -> Router<StripeEmulator> {
    Router::new()
        .route("/_emulator/payment_intents", get(payment_intents))
        .route("/_emulator/refunds", get(refunds))
        .route("/_emulator/delay", post(delay))
        .route("/_emulator/fail", post(fail))
}

/// `GET /_emulator/payment_intents`: `{"count": n, "data": [...]}`, oldest first.
async fn payment_intents(State(emulator): State<StripeEmulator>) -> Json<Value> {
    counted(emulator.payment_intents())
}

/// `GET /_emulator/refunds`: `{"count": n, "data": [...]}`, oldest first.
async fn refunds(State(emulator): State<StripeEmulator>) -> Json<Value> {
    counted(emulator.refunds())
}

fn counted(data: Vec<Value>) -> Json<Value> {
    Json(json!({ "count": data.len(), "data": data }))
}

#[derive(Debug, Deserialize)]
struct DelayRequest {
    millis: u64,
    #[serde(default = "one")]
    count: usize,
}

#[derive(Debug, Deserialize)]
struct FailRequest {
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

/// `POST /_emulator/delay {"millis": N, "count": K}`: see `StripeEmulator::delay_next_responses`.
async fn delay(
    State(emulator): State<StripeEmulator>,
    Json(request): Json<DelayRequest>,
) -> StatusCode {
    emulator.delay_next_responses(request.count, Duration::from_millis(request.millis));
    StatusCode::NO_CONTENT
}

/// `POST /_emulator/fail {"count": K}`: see `StripeEmulator::fail_next_requests`.
async fn fail(
    State(emulator): State<StripeEmulator>,
    Json(request): Json<FailRequest>,
) -> StatusCode {
    emulator.fail_next_requests(request.count);
    StatusCode::NO_CONTENT
}
