//! `/healthz` (the process is up) and `/readyz` (its database and Temporal answer).

use axum::extract::State;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use temporalio_client::Client;

use crate::error::{ApiError, ErrorBody};
use crate::extract::Json;
use crate::failure::Failure;
use crate::openapi::Status;
use crate::readiness::Readiness;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = Status)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The database and Temporal both answer; 503 naming what does not.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Database and Temporal reachable", body = Status),
        (status = 503, description = "Names what is unreachable", body = ErrorBody)))]
pub async fn readyz(
    State(readiness): State<Readiness>,
    State(db): State<DatabaseConnection>,
    State(client): State<Client>,
) -> Result<Json<Value>, ApiError> {
    let down = readiness.unreachable(&db, &client).await;
    if down.is_empty() {
        return Ok(Json(json!({"status": "ready"})));
    }
    Err(Failure::Unavailable(format!("Not ready: {} unreachable", down.join(", "))).into())
}
