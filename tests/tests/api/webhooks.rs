use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use boxoffice_tests::fixtures::{
    buyer, eventually, listed_ticket, order_for, pay_with_a_good_card,
};
use boxoffice_tests::{TestApp, TestServer};
use hmac::{Hmac, Mac};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

fn signed(payload: &str, secret: &str) -> String {
    let timestamp = chrono::Utc::now().timestamp();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

fn webhook(payload: &str, signature: &str) -> Request<Body> {
    Request::post("/api/webhooks/stripe")
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(Body::from(payload.to_owned()))
        .unwrap()
}

fn unrelated_event(event_id: &str) -> String {
    json!({
        "id": event_id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": 1_763_769_600,
        "data": {"object": {"id": "obj_unrelated", "object": "test_object"}},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": "boxoffice.test_event"
    })
    .to_string()
}

#[tokio::test]
async fn a_successful_payment_sends_a_signed_webhook_that_is_recorded() {
    let server = TestServer::spawn().await;
    let app = &server.app;
    let (_, ticket) = listed_ticket(app, "Concert", json!(20)).await;
    let mut buyer_client = buyer(app).await;
    let order = order_for(&mut buyer_client, &ticket).await;
    pay_with_a_good_card(&mut buyer_client, &order).await;

    let recorded = eventually(
        "the webhook to be recorded",
        Duration::from_secs(15),
        || async {
            let rows = app
                .database
                .db
                .query_all_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT event_type, order_id::text AS order_id FROM stripe_events".to_owned(),
                ))
                .await
                .unwrap();
            let events: Vec<(String, Option<String>)> = rows
                .iter()
                .map(|row| {
                    (
                        row.try_get::<String>("", "event_type").unwrap(),
                        row.try_get::<Option<String>>("", "order_id").unwrap(),
                    )
                })
                .collect();
            (!events.is_empty()).then_some(events)
        },
    )
    .await;

    assert_eq!(recorded[0].0, "payment_intent.succeeded");
    assert_eq!(recorded[0].1.as_deref(), order["id"].as_str());
}

#[tokio::test]
async fn a_webhook_with_a_bad_signature_is_400() {
    let app = TestApp::spawn().await;
    let payload = unrelated_event("evt_bad_signature");
    let response = app
        .send(webhook(&payload, &signed(&payload, "whsec_someone_else")))
        .await;
    response.assert_error(StatusCode::BAD_REQUEST, ["Invalid Stripe signature"]);
}

#[tokio::test]
async fn a_webhook_without_a_signature_is_400() {
    let app = TestApp::spawn().await;
    let request = Request::post("/api/webhooks/stripe")
        .header("content-type", "application/json")
        .body(Body::from(unrelated_event("evt_unsigned")))
        .unwrap();
    let response = app.send(request).await;
    response.assert_error(StatusCode::BAD_REQUEST, ["Missing Stripe-Signature header"]);
}

#[tokio::test]
async fn a_redelivered_webhook_is_recorded_once() {
    let app = TestApp::spawn().await;
    let payload = unrelated_event("evt_redelivered");
    let signature = signed(&payload, stripe_emulator::TEST_WEBHOOK_SECRET);

    let first = app.send(webhook(&payload, &signature)).await;
    let second = app.send(webhook(&payload, &signature)).await;

    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["duplicate"], false);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body["duplicate"], true);
}
