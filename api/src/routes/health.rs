//! `/healthz` (the process is up) and `/readyz` (its database and Temporal answer).

use axum::extract::State;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use temporalio_client::Client;

use crate::error::{ApiError, ErrorBody};
use crate::extract::Json;
use crate::failure::Failure;
use crate::openapi::Status;
use crate::temporal;

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
    State(db): State<DatabaseConnection>,
    State(client): State<Client>,
) -> Result<Json<Value>, ApiError> {
    let database = db.ping().await.is_ok();
    let temporal = temporal::is_ready(&client).await;
    if database && temporal {
        return Ok(Json(json!({"status": "ready"})));
    }
    let down: Vec<&str> = [
        (!database).then_some("database"),
        (!temporal).then_some("temporal"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Err(Failure::Unavailable(format!("Not ready: {} unreachable", down.join(", "))).into())
}
