//! Webhook events, signed the way Stripe signs them and delivered in the background with a few
//! retries. Delivery never affects the API response that caused the event.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::ids::{new_id, unix_now};
use crate::request_context::RequestContext;

/// Waits before each delivery attempt: one immediate try, then backing off. Stripe itself keeps
/// retrying for days, which is pointless against a dev server.
const ATTEMPT_DELAYS: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(4),
];

#[derive(Debug)]
pub(crate) struct WebhookSender {
    url: Option<String>,
    secret: String,
    client: reqwest::Client,
}

impl WebhookSender {
    pub(crate) fn new(url: Option<String>, secret: String) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            url,
            secret,
            client,
        }
    }

    /// Emits an event of `event_type` about `object`; returns at once.
    pub(crate) fn emit(&self, event_type: &str, object: Value, context: &RequestContext) {
        let Some(url) = self.url.clone() else { return };
        let event = event(event_type, object, context);
        let payload = event.to_string();
        let (client, secret) = (self.client.clone(), self.secret.clone());
        tokio::spawn(async move {
            for (attempt, delay) in ATTEMPT_DELAYS.into_iter().enumerate() {
                tokio::time::sleep(delay).await;
                // Signed at each attempt, as Stripe does: receivers reject stale timestamps.
                let signature = signature_header(&secret, unix_now(), &payload);
                let sent = client
                    .post(&url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/json; charset=utf-8",
                    )
                    .header("stripe-signature", signature)
                    .body(payload.clone())
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status().is_success() => return,
                    Ok(response) => {
                        tracing::warn!(%url, attempt, status = %response.status(), "webhook rejected")
                    }
                    Err(err) => tracing::warn!(%url, attempt, %err, "webhook delivery failed"),
                }
            }
            tracing::error!(%url, event = %event["id"], "gave up delivering webhook");
        });
    }
}

/// Stripe's event object.
fn event(event_type: &str, object: Value, context: &RequestContext) -> Value {
    json!({
        "id": new_id("evt"),
        "object": "event",
        // The version async-stripe is generated for, so it parses the payload without complaint.
        "api_version": stripe_shared::version::VERSION.as_str(),
        "created": unix_now(),
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": context.request_id, "idempotency_key": context.idempotency_key },
        "type": event_type,
    })
}

/// `Stripe-Signature: t=<unix secs>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`.
pub(crate) fn signature_header(secret: &str, timestamp: i64, payload: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}
