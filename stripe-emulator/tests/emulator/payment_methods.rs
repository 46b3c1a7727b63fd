//! PaymentMethods as Stripe.js creates them, Stripe's ready-made test ids, and the browser-facing
//! parts: publishable keys, CORS and the Stripe.js stand-in.

use stripe::{ApiErrorsCode, ApiErrorsType};
use stripe_emulator::TEST_PUBLISHABLE_KEY;

use crate::support::{a_future_year, create_card, retrieve_payment_method, start, stripe_error};

#[tokio::test]
async fn a_created_card_reports_its_brand_and_last4_but_not_its_number() {
    let harness = start().await;
    let payment_method = harness.card("4242424242424242").await;

    assert!(payment_method.id.as_str().starts_with("pm_"));
    let card = payment_method.card.expect("card details");
    assert_eq!(card.brand, "visa");
    assert_eq!(card.last4, "4242");
    assert_eq!(card.exp_year, a_future_year());
}

#[tokio::test]
async fn a_card_number_failing_luhn_is_an_incorrect_number_card_error() {
    let harness = start().await;
    let (error, status) = stripe_error(create_card(&harness.client, "4242424242424241").await);

    assert_eq!(status, 402);
    assert_eq!(error.type_, ApiErrorsType::CardError);
    assert_eq!(error.code, Some(ApiErrorsCode::IncorrectNumber));
}

#[tokio::test]
async fn ready_made_test_payment_methods_can_be_retrieved() {
    let harness = start().await;
    let payment_method = retrieve_payment_method(&harness.client, "pm_card_mastercard")
        .await
        .expect("exists");
    let card = payment_method.card.expect("card details");

    assert_eq!(card.brand, "mastercard");
    assert_eq!(card.last4, "4444");
}

#[tokio::test]
async fn unknown_payment_methods_are_404() {
    let harness = start().await;
    let (error, status) = stripe_error(retrieve_payment_method(&harness.client, "pm_nope").await);

    assert_eq!(status, 404);
    assert_eq!(error.code, Some(ApiErrorsCode::ResourceMissing));
}

#[tokio::test]
async fn a_page_on_another_origin_may_create_payment_methods_with_the_publishable_key() {
    let harness = start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/payment_methods", harness.base_url);

    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("preflight sent");
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let allowed_headers = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap_or_default();
    assert!(
        allowed_headers
            .to_ascii_lowercase()
            .contains("authorization")
    );

    let created = harness
        .post_card_from_page(
            "/v1/payment_methods",
            "4000000000009995",
            &[("type", "card"), ("billing_details[name]", "Ada Lovelace")],
        )
        .await;
    assert_eq!(created.status(), 200);
    assert_eq!(created.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = created.json().await.expect("JSON body");
    assert_eq!(body["card"]["last4"], "9995");
    assert_eq!(body["billing_details"]["name"], "Ada Lovelace");
}

#[tokio::test]
async fn the_publishable_key_cannot_create_payment_intents() {
    let harness = start().await;
    let response = harness
        .post_payment_intent(
            TEST_PUBLISHABLE_KEY,
            &[("amount", "1000"), ("currency", "usd")],
        )
        .await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_stripe_js_stand_in_is_served_as_javascript() {
    let harness = start().await;
    let response = harness.get("/js/v3/stripe.js").await;

    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/javascript"),
        "{content_type}"
    );
    let script = response.text().await.expect("body");
    assert!(script.contains("createPaymentMethod") && script.contains("/v1/payment_methods"));
}
