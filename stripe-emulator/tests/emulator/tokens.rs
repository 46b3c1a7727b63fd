//! Card tokens: Stripe's test tokens (`tok_visa`, `tok_chargeDeclined`, …), tokens created from
//! typed cards (`POST /v1/tokens`, single-use), and paying a PaymentIntent with one through
//! `payment_method_data[card][token]`.

use std::collections::{BTreeMap, HashSet};

use stripe::{ApiErrorsCode, ApiErrorsType};
use stripe_client_core::{RequestBuilder, StripeMethod};
use stripe_core::PaymentIntentStatus;
use stripe_emulator::TEST_SECRET_KEY;

use crate::support::{
    a_future_year, create_token, idempotent, retrieve_payment_method, retrieve_token, start,
    stripe_error, token_payment,
};

/// Stripe's test tokens that charge successfully: brand, last4 and funding of their card.
const GOOD_TOKENS: [(&str, &str, &str, &str); 6] = [
    ("tok_visa", "visa", "4242", "credit"),
    ("tok_visa_debit", "visa", "5556", "debit"),
    ("tok_mastercard", "mastercard", "4444", "credit"),
    ("tok_mastercard_debit", "mastercard", "8210", "debit"),
    ("tok_amex", "amex", "0005", "credit"),
    ("tok_discover", "discover", "1117", "credit"),
];

/// Stripe's test tokens that are declined when charged: error code, decline code and message.
const DECLINING_TOKENS: [(&str, ApiErrorsCode, Option<&str>, &str); 5] = [
    (
        "tok_chargeDeclined",
        ApiErrorsCode::CardDeclined,
        Some("generic_decline"),
        "Your card was declined.",
    ),
    (
        "tok_chargeDeclinedInsufficientFunds",
        ApiErrorsCode::CardDeclined,
        Some("insufficient_funds"),
        "Your card has insufficient funds.",
    ),
    (
        "tok_chargeDeclinedExpiredCard",
        ApiErrorsCode::ExpiredCard,
        None,
        "Your card has expired.",
    ),
    (
        "tok_chargeDeclinedIncorrectCvc",
        ApiErrorsCode::IncorrectCvc,
        None,
        "Your card's security code is incorrect.",
    ),
    (
        "tok_chargeDeclinedFraudulent",
        ApiErrorsCode::CardDeclined,
        Some("fraudulent"),
        "Your card was declined.",
    ),
];

#[tokio::test]
async fn each_good_test_token_pays_with_a_payment_method_made_from_its_card() {
    let harness = start().await;
    for (token, brand, last4, funding) in GOOD_TOKENS {
        let intent = token_payment(1000, token)
            .send(&harness.client)
            .await
            .unwrap_or_else(|err| panic!("{token}: {err:?}"));

        assert_eq!(intent.status, PaymentIntentStatus::Succeeded, "{token}");
        let payment_method = intent.payment_method.expect("payment method kept");
        let id = payment_method.id().as_str();
        assert!(id.starts_with("pm_"), "{token}: {id}");
        let card = retrieve_payment_method(&harness.client, id)
            .await
            .expect("the PaymentMethod exists")
            .card
            .expect("card details");
        assert_eq!(
            (
                card.brand.as_str(),
                card.last4.as_str(),
                card.funding.as_str()
            ),
            (brand, last4, funding),
            "{token}"
        );
    }
}

#[tokio::test]
async fn each_declining_test_token_fails_with_its_documented_code_and_message() {
    let harness = start().await;
    for (token, code, decline_code, message) in DECLINING_TOKENS {
        let (error, status) = harness.payment_error(token_payment(1000, token)).await;

        assert_eq!(status, 402, "{token}");
        assert_eq!(error.type_, ApiErrorsType::CardError, "{token}");
        assert_eq!(error.code, Some(code), "{token}");
        assert_eq!(error.decline_code.as_deref(), decline_code, "{token}");
        assert_eq!(error.message.as_deref(), Some(message), "{token}");
        let declined = error.payment_method.expect("the declined PaymentMethod");
        assert!(declined.id.as_str().starts_with("pm_"), "{token}");
        let intent = error.payment_intent.expect("the PaymentIntent");
        assert_eq!(
            intent.status,
            PaymentIntentStatus::RequiresPaymentMethod,
            "{token}"
        );
    }
}

#[tokio::test]
async fn test_tokens_can_be_used_any_number_of_times_each_making_a_new_payment_method() {
    let harness = start().await;
    let mut payment_methods = HashSet::new();
    for _ in 0..3 {
        let intent = harness.pay(token_payment(1000, "tok_visa")).await;
        payment_methods.insert(intent.payment_method.expect("charged").id().to_string());
    }

    assert_eq!(payment_methods.len(), 3);
}

#[tokio::test]
async fn a_token_created_for_a_typed_card_reports_the_card_with_its_brand_spelled_out() {
    let harness = start().await;
    let token = harness.token("5555555555554444").await;

    assert!(token.id.as_str().starts_with("tok_"));
    assert_eq!(token.type_, "card");
    assert!(!token.used);
    assert!(!token.livemode);
    let card = token.card.expect("the card");
    assert!(card.id.as_str().starts_with("card_"));
    // A token's Card object names brands as Stripe's Card objects do, not as PaymentMethods do.
    assert_eq!(card.brand, "MasterCard");
    assert_eq!(card.last4, "4444");
    assert_eq!(card.exp_year, a_future_year());
    assert_eq!(card.funding, "credit");
}

#[tokio::test]
async fn a_created_token_pays_once_and_a_second_use_is_token_already_used() {
    let harness = start().await;
    let token = harness.token("4242424242424242").await;

    let intent = harness.pay(token_payment(1500, token.id.as_str())).await;
    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
    let spent = retrieve_token(&harness.client, token.id.as_str())
        .await
        .expect("retrieved");
    assert!(spent.used);

    let (error, status) = harness
        .payment_error(token_payment(1500, token.id.as_str()))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error.type_, ApiErrorsType::InvalidRequestError);
    assert_eq!(error.code, Some(ApiErrorsCode::TokenAlreadyUsed));
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_replays_the_payment_instead_of_refusing_the_spent_token()
 {
    let harness = start().await;
    let token = harness.token("4242424242424242").await;
    let pay = || {
        token_payment(2000, token.id.as_str())
            .request_strategy(idempotent("order-1-attempt-1"))
            .send(&harness.client)
    };

    let first = pay().await.expect("paid");
    let retried = pay().await.expect("replayed");

    assert_eq!(retried.id, first.id);
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_typed_declining_card_is_tokenised_and_declined_only_when_charged() {
    let harness = start().await;
    let token = harness.token("4000000000009995").await;

    let (error, status) = harness
        .payment_error(token_payment(1000, token.id.as_str()))
        .await;

    assert_eq!(status, 402);
    assert_eq!(error.decline_code.as_deref(), Some("insufficient_funds"));
}

#[tokio::test]
async fn an_unknown_token_is_resource_missing_and_creates_nothing() {
    let harness = start().await;
    let (error, status) = harness
        .payment_error(token_payment(1000, "tok_does_not_exist"))
        .await;

    assert_eq!(status, 400);
    assert_eq!(error.code, Some(ApiErrorsCode::ResourceMissing));
    assert_eq!(
        error.param.as_deref(),
        Some("payment_method_data[card][token]")
    );
    assert_eq!(
        error.message.as_deref(),
        Some("No such token: 'tok_does_not_exist'")
    );
    assert!(harness.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn a_card_number_failing_luhn_gets_no_token() {
    let harness = start().await;
    let (error, status) = stripe_error(create_token(&harness.client, "4242424242424241").await);

    assert_eq!(status, 402);
    assert_eq!(error.code, Some(ApiErrorsCode::IncorrectNumber));
}

#[tokio::test]
async fn a_declined_payment_intent_can_be_confirmed_again_with_a_token() {
    let harness = start().await;
    let declined = harness.declined_payment(1000).await;
    let token = harness.token("4242424242424242").await;

    let confirmed = RequestBuilder::new(
        StripeMethod::Post,
        format!("/payment_intents/{}/confirm", declined.id),
    )
    .form(&BTreeMap::from([
        ("payment_method_data[type]", "card"),
        ("payment_method_data[card][token]", token.id.as_str()),
    ]))
    .customize::<stripe_shared::PaymentIntent>()
    .send(&harness.client)
    .await
    .expect("the token pays");

    assert_eq!(confirmed.id, declined.id);
    assert_eq!(confirmed.status, PaymentIntentStatus::Succeeded);
    assert!(
        retrieve_token(&harness.client, token.id.as_str())
            .await
            .expect("retrieved")
            .used
    );
}

#[tokio::test]
async fn a_payment_method_and_payment_method_data_together_are_refused() {
    let harness = start().await;
    let response = harness
        .post_payment_intent(
            TEST_SECRET_KEY,
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method", "pm_card_visa"),
                ("payment_method_data[type]", "card"),
                ("payment_method_data[card][token]", "tok_visa"),
            ],
        )
        .await;

    assert_eq!(response.status(), 400);
    assert!(harness.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn a_page_on_another_origin_may_create_tokens_with_the_publishable_key() {
    let harness = start().await;
    let created = harness
        .post_card_from_page("/v1/tokens", "4242424242424242", &[])
        .await;

    assert_eq!(created.status(), 200);
    assert_eq!(created.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = created.json().await.expect("JSON body");
    assert_eq!(body["object"], "token");
    assert_eq!(body["card"]["brand"], "Visa");
    assert_eq!(body["card"]["last4"], "4242");
    assert_eq!(body["card"]["cvc_check"], "unchecked");
}

#[tokio::test]
async fn the_stripe_js_stand_in_can_create_tokens() {
    let harness = start().await;
    let script = harness
        .get("/js/v3/stripe.js")
        .await
        .text()
        .await
        .expect("body");

    assert!(script.contains("createToken(element, data)") && script.contains("'/v1/tokens'"));
}
