//! PaymentIntents: confirming with Stripe's test cards, validation errors, retrieval and lists.

use std::collections::HashMap;

use stripe::{ApiErrorsCode, ApiErrorsType};
use stripe_core::PaymentIntentStatus;
use stripe_core::payment_intent::{
    ConfirmPaymentIntent, CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
    ListPaymentIntent, RetrievePaymentIntent,
};
use stripe_emulator::TEST_SECRET_KEY;
use stripe_types::Currency;

use crate::support::{card_payment, client_for, start, stripe_error};

#[tokio::test]
async fn pm_card_visa_payment_succeeds_with_an_unexpanded_charge_id() {
    let harness = start().await;
    let intent = card_payment(2500, "pm_card_visa")
        .description("2 tickets")
        .metadata(HashMap::from([(
            "order_id".to_owned(),
            "ord_42".to_owned(),
        )]))
        .send(&harness.client)
        .await
        .expect("payment succeeds");

    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
    assert_eq!(intent.amount, 2500);
    assert_eq!(intent.amount_received, 2500);
    assert_eq!(intent.currency, Currency::USD);
    assert_eq!(intent.description.as_deref(), Some("2 tickets"));
    assert_eq!(
        intent.metadata.get("order_id").map(String::as_str),
        Some("ord_42")
    );
    let charge = intent.latest_charge.expect("a charge was made");
    assert!(
        !charge.is_object(),
        "latest_charge is an id, not an expanded Charge"
    );
    assert!(charge.id().as_str().starts_with("ch_"));
    // Like Stripe, a ready-made test id becomes a PaymentMethod of its own.
    let payment_method = intent.payment_method.expect("payment method kept");
    assert!(payment_method.id().as_str().starts_with("pm_"));
    assert!(intent.last_payment_error.is_none());
    assert!(!intent.livemode);
}

#[tokio::test]
async fn pm_card_visa_charge_declined_is_a_402_card_error_carrying_the_payment_intent() {
    let harness = start().await;
    let (error, status) = harness
        .payment_error(card_payment(2500, "pm_card_visa_chargeDeclined"))
        .await;

    assert_eq!(status, 402);
    assert_eq!(error.type_, ApiErrorsType::CardError);
    assert_eq!(error.code, Some(ApiErrorsCode::CardDeclined));
    assert_eq!(error.decline_code.as_deref(), Some("generic_decline"));
    assert_eq!(error.message.as_deref(), Some("Your card was declined."));
    assert!(
        error
            .charge
            .as_deref()
            .is_some_and(|charge| charge.starts_with("ch_"))
    );
    assert!(
        error.payment_method.is_some(),
        "the declined PaymentMethod is reported"
    );
    let intent = error
        .payment_intent
        .expect("the PaymentIntent is in the error");
    assert_eq!(intent.status, PaymentIntentStatus::RequiresPaymentMethod);
    assert_eq!(intent.amount_received, 0);
    let last_error = intent
        .last_payment_error
        .expect("last_payment_error is set");
    assert_eq!(last_error.decline_code.as_deref(), Some("generic_decline"));
    assert_eq!(
        harness.emulator.payment_intents().len(),
        1,
        "a declined PaymentIntent still exists"
    );
}

#[tokio::test]
async fn insufficient_funds_decline_reports_its_own_decline_code_and_message() {
    let harness = start().await;
    let (error, status) = harness
        .payment_error(card_payment(
            2500,
            "pm_card_visa_chargeDeclinedInsufficientFunds",
        ))
        .await;

    assert_eq!(status, 402);
    assert_eq!(error.code, Some(ApiErrorsCode::CardDeclined));
    assert_eq!(error.decline_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(
        error.message.as_deref(),
        Some("Your card has insufficient funds.")
    );
}

#[tokio::test]
async fn card_4242_entered_by_the_customer_is_charged() {
    let harness = start().await;
    let card = harness.card("4242424242424242").await;
    let intent = harness.pay(card_payment(1000, card.id.as_str())).await;

    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
    assert_eq!(
        intent.payment_method.map(|pm| pm.id().to_string()),
        Some(card.id.to_string())
    );
}

#[tokio::test]
async fn card_4000000000000002_entered_by_the_customer_is_declined() {
    let harness = start().await;
    // Creating the PaymentMethod works; the decline comes when it is charged.
    let card = harness.card("4000000000000002").await;
    let (error, status) = harness
        .payment_error(card_payment(1000, card.id.as_str()))
        .await;

    assert_eq!(status, 402);
    assert_eq!(error.decline_code.as_deref(), Some("generic_decline"));
}

#[tokio::test]
async fn a_declined_payment_intent_can_be_confirmed_again_with_another_card() {
    let harness = start().await;
    let declined = harness.declined_payment(1000).await;

    let intent = ConfirmPaymentIntent::new(declined.id.clone())
        .payment_method("pm_card_visa")
        .send(&harness.client)
        .await
        .expect("second card succeeds");

    assert_eq!(intent.id, declined.id);
    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
    assert!(intent.last_payment_error.is_none());
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn an_unconfirmed_payment_intent_waits_for_confirmation_then_succeeds() {
    let harness = start().await;
    let created = card_payment(1500, "pm_card_mastercard")
        .confirm(false)
        .send(&harness.client)
        .await
        .expect("created");
    assert_eq!(created.status, PaymentIntentStatus::RequiresConfirmation);
    assert!(
        created
            .client_secret
            .is_some_and(|secret| secret.starts_with(&format!("{}_secret_", created.id)))
    );

    ConfirmPaymentIntent::new(created.id.clone())
        .send(&harness.client)
        .await
        .expect("confirmed");
    let retrieved = RetrievePaymentIntent::new(created.id.clone())
        .send(&harness.client)
        .await
        .expect("retrieved");

    assert_eq!(retrieved.status, PaymentIntentStatus::Succeeded);
    assert_eq!(retrieved.amount_received, 1500);
}

#[tokio::test]
async fn confirming_a_succeeded_payment_intent_again_is_rejected() {
    let harness = start().await;
    let intent = harness.pay(card_payment(1000, "pm_card_visa")).await;
    let (error, status) = stripe_error(
        ConfirmPaymentIntent::new(intent.id)
            .send(&harness.client)
            .await,
    );

    assert_eq!(status, 400);
    assert_eq!(
        error.code,
        Some(ApiErrorsCode::PaymentIntentUnexpectedState)
    );
}

#[tokio::test]
async fn amount_below_the_usd_minimum_is_rejected_with_its_param() {
    let harness = start().await;
    let (error, status) = harness
        .payment_error(card_payment(49, "pm_card_visa"))
        .await;

    assert_eq!(status, 400);
    assert_eq!(error.type_, ApiErrorsType::InvalidRequestError);
    assert_eq!(error.code, Some(ApiErrorsCode::AmountTooSmall));
    assert_eq!(error.param.as_deref(), Some("amount"));
    assert!(harness.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn missing_amount_is_rejected_with_its_param() {
    let harness = start().await;
    let response = harness
        .post_payment_intent(TEST_SECRET_KEY, &[("currency", "usd")])
        .await;

    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("JSON body");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(body["error"]["code"], "parameter_missing");
    assert_eq!(body["error"]["param"], "amount");
}

#[tokio::test]
async fn unknown_payment_method_is_rejected_with_its_param() {
    let harness = start().await;
    let (error, status) = harness
        .payment_error(card_payment(1000, "pm_does_not_exist"))
        .await;

    assert_eq!(status, 400);
    assert_eq!(error.code, Some(ApiErrorsCode::ResourceMissing));
    assert_eq!(error.param.as_deref(), Some("payment_method"));
    assert!(harness.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn redirect_capable_automatic_payment_methods_need_a_return_url_to_confirm() {
    let harness = start().await;
    let request = CreatePaymentIntent::new(1000, Currency::USD)
        .payment_method("pm_card_visa")
        .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods {
            enabled: true,
            allow_redirects: None,
        })
        .confirm(true);
    let (error, status) = stripe_error(request.clone().send(&harness.client).await);
    assert_eq!(status, 400);
    assert_eq!(error.param.as_deref(), Some("return_url"));

    let intent = request
        .return_url("https://boxoffice.test/done")
        .send(&harness.client)
        .await
        .expect("paid");
    assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
}

#[tokio::test]
async fn payment_method_types_is_refused_on_api_versions_that_removed_it() {
    let harness = start().await;
    let post = |version: Option<&str>| {
        let mut request = harness.post_form(
            "/v1/payment_intents",
            TEST_SECRET_KEY,
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method_types[0]", "card"),
            ],
        );
        if let Some(version) = version {
            request = request.header("Stripe-Version", version);
        }
        request.send()
    };

    let current = post(Some("2026-09-30.endive")).await.expect("request sent");
    assert_eq!(current.status(), 400);
    let body: serde_json::Value = current.json().await.expect("JSON body");
    assert_eq!(
        body["error"]["code"],
        "payment_method_types_no_longer_supported"
    );

    let older = post(Some("2024-06-20")).await.expect("request sent");
    assert_eq!(older.status(), 200);
}

#[tokio::test]
async fn missing_or_invalid_api_keys_are_401() {
    let harness = start().await;
    let (error, status) = stripe_error(
        card_payment(1000, "pm_card_visa")
            .send(&client_for(&harness.base_url, "sk_nonsense"))
            .await,
    );
    assert_eq!(status, 401);
    assert!(
        error
            .message
            .is_some_and(|message| message.starts_with("Invalid API Key provided"))
    );

    let anonymous = harness.get("/v1/payment_intents").await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn list_is_newest_first_and_honours_limit() {
    let harness = start().await;
    let mut ids = Vec::new();
    for amount in [1000, 2000, 3000] {
        ids.push(harness.pay(card_payment(amount, "pm_card_visa")).await.id);
    }

    let page = ListPaymentIntent::new()
        .limit(2)
        .send(&harness.client)
        .await
        .expect("listed");
    let listed: Vec<_> = page.data.iter().map(|intent| intent.id.clone()).collect();
    assert_eq!(listed, [ids[2].clone(), ids[1].clone()]);
    assert!(page.has_more);

    let rest = ListPaymentIntent::new()
        .starting_after(ids[1].as_str())
        .send(&harness.client)
        .await
        .expect("listed");
    assert_eq!(
        rest.data
            .iter()
            .map(|intent| intent.id.clone())
            .collect::<Vec<_>>(),
        [ids[0].clone()]
    );
    assert!(!rest.has_more);
}
