//! `/api/payments`: paying for an order through its saga.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::domain::PaymentToken;
use crate::error::{ApiError, ErrorBody};
use crate::extract::SignedIn;
use crate::extract::{Json, JsonObject};
use crate::openapi::{PaymentCreated, PaymentInput};
use crate::purchases::Purchases;
use crate::routes::orders::required_id;

#[utoipa::path(post, path = "/api/payments", tag = "payments", request_body = PaymentInput,
    responses((status = 201, description = "Paid; the order is complete and the ticket sold", body = PaymentCreated),
        (status = 400, description = "Invalid input (a token that is not a PaymentMethod id or card token, or one Stripe refuses); order cancelled, expired or already paid", body = ErrorBody),
        (status = 401, description = "Not signed in, or another user's order", body = ErrorBody),
        (status = 402, description = "Card declined; the order stays payable until the hold ends", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 429, description = "Too many payment attempts for this order (5) or by this buyer this hour", body = ErrorBody)))]
pub async fn create(
    State(purchases): State<Purchases>,
    SignedIn(user): SignedIn,
    Json(body): Json<JsonObject>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (order_id, token) = crate::domain::both(
        required_id(&body, "orderId"),
        PaymentToken::parse(body.get("token")),
    )?;
    let payment_id = purchases.pay_order(user.id, order_id, token).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": payment_id }))))
}
