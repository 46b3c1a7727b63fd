use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::SignedIn;
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, JsonObject};
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
