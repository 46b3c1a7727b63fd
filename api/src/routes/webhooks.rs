//! `/api/webhooks/stripe`: Stripe's events, verified by their signature and recorded once.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use boxoffice_activities::store::stripe_events::{self, NewStripeEvent};
use boxoffice_domain::OrderId;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use stripe_webhook::{EventObject, Webhook, WebhookError};

use crate::error::{ApiError, ErrorBody};
use crate::extract::Json;
use crate::failure::Failure;
use crate::state::AppState;

/// Stripe's webhook receiver. The signature is verified first; each event is recorded once, so a
/// redelivery changes nothing. The saga learns every charge's outcome synchronously from the charge
/// activity, so the events are an audit trail tied to the order (and its workflow) for support.
#[utoipa::path(post, path = "/api/webhooks/stripe", tag = "operations",
    params(("Stripe-Signature" = String, Header, description = "Stripe's signature of the body")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "A Stripe event, signed in Stripe-Signature"),
    responses((status = 200, description = "Recorded (or a duplicate)"),
        (status = 400, description = "Missing or invalid signature", body = ErrorBody),
        (status = 503, description = "Webhooks are not configured", body = ErrorBody)))]
pub async fn stripe(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let secret = state
        .settings
        .stripe
        .webhook_secret
        .as_ref()
        .ok_or_else(|| Failure::Unavailable("Stripe webhooks are not configured".into()))?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| ApiError::BadRequest("Missing Stripe-Signature header".into()))?;
    let payload = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("Webhook body is not UTF-8".into()))?;
    let event =
        Webhook::construct_event(payload, signature, secret.expose_secret()).map_err(|err| {
            ApiError::BadRequest(match err {
                WebhookError::BadParse(_) => "Unreadable Stripe event".into(),
                _ => "Invalid Stripe signature".into(),
            })
        })?;

    let intent = match &event.data.object {
        EventObject::PaymentIntentSucceeded(intent)
        | EventObject::PaymentIntentPaymentFailed(intent) => Some(intent),
        _ => None,
    };
    let order_id = intent
        .and_then(|pi| pi.metadata.get("order_id"))
        .and_then(|id| id.parse::<OrderId>().ok());
    let intent_id = intent.map(|pi| pi.id.to_string());
    let event_type = event.type_.to_string();
    let first_time = stripe_events::record_stripe_event(
        &state.db,
        NewStripeEvent {
            id: event.id.as_str(),
            event_type: &event_type,
            payment_intent: intent_id.as_deref(),
            order_id,
        },
    )
    .await?;

    tracing::info!(
        event = %event.id.as_str(),
        %event_type,
        order_id = ?order_id,
        workflow_id = ?order_id.map(boxoffice_workflows::workflow_id),
        payment_intent = ?intent_id,
        first_time,
        "stripe webhook recorded"
    );
    Ok(Json(json!({ "received": true, "duplicate": !first_time })))
}
