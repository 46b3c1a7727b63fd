use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::SignedIn;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::extract::{Json, JsonObject};
use crate::openapi::{PaymentCreated, PaymentInput};
use crate::purchases;
use crate::routes::orders::required_id;

/// `token` is a Stripe PaymentMethod id (`pm_…`).
fn payment_method(body: &JsonObject) -> Result<String, FieldError> {
    match body.get("token") {
        None | Some(Value::Null) => Err(FieldError::new("token", "token is required")),
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        Some(Value::String(_)) => Err(FieldError::new("token", "token is required")),
        Some(_) => Err(FieldError::new("token", "token must be a string")),
    }
}

#[utoipa::path(post, path = "/api/payments", tag = "payments", request_body = PaymentInput,
    responses((status = 201, description = "Paid; the order is complete and the ticket sold", body = PaymentCreated),
        (status = 400, description = "Invalid input; order cancelled, expired or already paid", body = ErrorBody),
        (status = 401, description = "Not signed in, or another user's order", body = ErrorBody),
        (status = 402, description = "Card declined; the order stays payable until the hold ends", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Json(body): Json<JsonObject>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (order_id, token) =
        crate::domain::both(required_id(&body, "orderId"), payment_method(&body))?;
    let payment_id = purchases::pay_order(&state, user.id, order_id, token).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": payment_id }))))
}
