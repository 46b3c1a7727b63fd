//! The `/_emulator/` controls over HTTP, and Stripe-style answers to unknown routes.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{card_payment, start};

#[tokio::test]
async fn http_inspection_lists_payment_intents_and_refunds() {
    let harness = start().await;
    harness.pay(card_payment(2500, "pm_card_visa")).await;

    let listed = harness.get_json("/_emulator/payment_intents").await;
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["data"][0]["status"], "succeeded");

    let refunds = harness.get_json("/_emulator/refunds").await;
    assert_eq!(refunds["count"], 0);
}

#[tokio::test]
async fn http_fault_injection_fails_then_delays_the_next_requests() {
    let harness = start().await;
    let http = reqwest::Client::new();
    let control = |path: &str, body: Value| {
        http.post(format!("{}/_emulator/{path}", harness.base_url))
            .json(&body)
            .send()
    };

    assert!(
        control("fail", json!({ "count": 1 }))
            .await
            .expect("sent")
            .status()
            .is_success()
    );
    let (_, status) = harness
        .payment_error(card_payment(2500, "pm_card_visa"))
        .await;
    assert_eq!(status, 500);

    assert!(
        control("delay", json!({ "millis": 300, "count": 1 }))
            .await
            .expect("sent")
            .status()
            .is_success()
    );
    let started = Instant::now();
    harness.pay(card_payment(2500, "pm_card_visa")).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn unknown_api_routes_answer_with_stripes_error_object() {
    let harness = start().await;
    let response = reqwest::Client::new()
        .delete(format!("{}/v1/payment_intents", harness.base_url))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Unrecognized request URL (DELETE"))
    );
}
