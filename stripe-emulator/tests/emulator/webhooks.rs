//! Webhook events: Stripe's shape, signed so that async-stripe-webhook accepts them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use stripe::StripeRequest;
use stripe_emulator::{EmulatorConfig, TEST_WEBHOOK_SECRET};
use stripe_webhook::{EventObject, EventType, Webhook};
use tokio::sync::mpsc;

use crate::support::{Harness, card_payment, idempotent, start_with};

type Deliveries = mpsc::UnboundedReceiver<(String, String)>;

/// A webhook endpoint that hands every delivery (payload, `Stripe-Signature`) to the test.
async fn receiver() -> (String, Deliveries) {
    flaky_receiver(0).await
}

/// Like [`receiver`], but answers the first `failures` deliveries with HTTP 500.
async fn flaky_receiver(failures: usize) -> (String, Deliveries) {
    let (deliveries, received) = mpsc::unbounded_channel();
    let failures_left = Arc::new(AtomicUsize::new(failures));
    let app = Router::new().route(
        "/webhooks/stripe",
        post(move |headers: HeaderMap, body: Bytes| async move {
            let signature = headers
                .get("stripe-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let _ = deliveries.send((String::from_utf8_lossy(&body).into_owned(), signature));
            let fail = failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .is_ok();
            if fail {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            }
        }),
    );
    let (listener, url) = webhook_endpoint().await;
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// A listener on a free port, and the URL of a webhook endpoint on it.
async fn webhook_endpoint() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("local address");
    (listener, format!("http://{address}/webhooks/stripe"))
}

/// An emulator that posts its webhooks to `url`, signed with `secret`.
async fn posting_webhooks_to(url: String, secret: &str) -> Harness {
    start_with(EmulatorConfig {
        webhook_url: Some(url),
        webhook_secret: secret.to_owned(),
    })
    .await
}

async fn next_delivery(received: &mut Deliveries) -> (String, String) {
    tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .expect("a webhook arrives within 5s")
        .expect("receiver still running")
}

#[tokio::test]
async fn a_succeeded_payment_sends_a_signed_event_that_async_stripe_webhook_accepts() {
    let (url, mut received) = receiver().await;
    let harness = posting_webhooks_to(url, TEST_WEBHOOK_SECRET).await;
    let intent = card_payment(2500, "pm_card_visa")
        .customize()
        .request_strategy(idempotent("order-9"))
        .send(&harness.client)
        .await
        .expect("paid");

    let (payload, signature) = next_delivery(&mut received).await;
    let event = Webhook::construct_event(&payload, &signature, TEST_WEBHOOK_SECRET)
        .expect("signature and payload verify");

    assert!(event.id.as_str().starts_with("evt_"));
    assert_eq!(event.type_, EventType::PaymentIntentSucceeded);
    assert!(!event.livemode);
    assert_eq!(
        event
            .request
            .and_then(|request| request.idempotency_key)
            .as_deref(),
        Some("order-9")
    );
    match event.data.object {
        EventObject::PaymentIntentSucceeded(object) => assert_eq!(object.id, intent.id),
        other => panic!("unexpected event object {other:?}"),
    }
}

#[tokio::test]
async fn a_declined_payment_sends_payment_intent_payment_failed() {
    let (url, mut received) = receiver().await;
    let harness = posting_webhooks_to(url, TEST_WEBHOOK_SECRET).await;
    let _declined = card_payment(2500, "pm_card_visa_chargeDeclinedInsufficientFunds")
        .send(&harness.client)
        .await;

    let (payload, signature) = next_delivery(&mut received).await;
    let event =
        Webhook::construct_event(&payload, &signature, TEST_WEBHOOK_SECRET).expect("verifies");

    match event.data.object {
        EventObject::PaymentIntentPaymentFailed(object) => {
            let error = object.last_payment_error.expect("last_payment_error");
            assert_eq!(error.decline_code.as_deref(), Some("insufficient_funds"));
        }
        other => panic!("unexpected event object {other:?}"),
    }
}

#[tokio::test]
async fn the_signature_does_not_verify_with_another_secret() {
    let (url, mut received) = receiver().await;
    let harness = posting_webhooks_to(url, "whsec_the_real_one").await;
    card_payment(2500, "pm_card_visa")
        .send(&harness.client)
        .await
        .expect("paid");

    let (payload, signature) = next_delivery(&mut received).await;
    assert!(Webhook::construct_event(&payload, &signature, "whsec_the_real_one").is_ok());
    assert!(Webhook::construct_event(&payload, &signature, "whsec_someone_else").is_err());
}

#[tokio::test]
async fn an_unreachable_webhook_endpoint_does_not_fail_the_payment() {
    // Nothing listens on a port that was just released.
    let (closed, url) = webhook_endpoint().await;
    drop(closed);
    let harness = posting_webhooks_to(url, TEST_WEBHOOK_SECRET).await;

    card_payment(2500, "pm_card_visa")
        .send(&harness.client)
        .await
        .expect("paid regardless");
}

#[tokio::test]
async fn a_rejected_delivery_is_retried_with_the_same_event() {
    let (url, mut received) = flaky_receiver(1).await;
    let harness = posting_webhooks_to(url, TEST_WEBHOOK_SECRET).await;
    card_payment(2500, "pm_card_visa")
        .send(&harness.client)
        .await
        .expect("paid");

    let (rejected, _) = next_delivery(&mut received).await;
    let (retried, signature) = next_delivery(&mut received).await;
    assert_eq!(retried, rejected);
    assert!(Webhook::construct_event(&retried, &signature, TEST_WEBHOOK_SECRET).is_ok());
}
