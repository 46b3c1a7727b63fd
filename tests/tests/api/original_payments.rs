//! The Node original's payments route specs (its payments service's `new.test.ts`), ported where
//! the contract agrees. Its clients pay with Stripe card tokens (`tok_visa`), which the original
//! charged with `source: token`; here a token pays through a PaymentIntent whose PaymentMethod
//! Stripe makes from it. The original's specs send a made-up token (`'asldkfj'`) where the token
//! does not matter; boxoffice checks a token's shape before anything else, so those send
//! `tok_visa`, and a malformed token has a spec of its own.

use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_activities::entities::payment;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{
    buyer, from_stripe_js, id_of, listed_ticket, order_for, order_reaches, ordered_ticket, pay,
};
use boxoffice_workflows::PurchaseWorkflow;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

#[tokio::test]
async fn returns_a_404_when_purchasing_an_order_that_does_not_exist() {
    let app = TestApp::spawn().await;
    let response = buyer(&app)
        .await
        .post(
            "/api/payments",
            json!({"token": "tok_visa", "orderId": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn returns_a_401_when_purchasing_an_order_that_doesnt_belong_to_the_user() {
    let app = TestApp::spawn().await;
    let (_, _, order) = ordered_ticket(&app, "Concert", json!("20")).await;

    let response = pay(&mut buyer(&app).await, &order, "tok_visa").await;

    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert!(app.stripe.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn returns_a_400_when_purchasing_a_cancelled_order() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!("20")).await;
    buyer_client
        .delete(&format!("/api/orders/{}", id_of(&order)))
        .await;

    let response = pay(&mut buyer_client, &order, "tok_visa").await;

    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(app.stripe.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn returns_a_201_with_valid_inputs() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, ticket, order) = ordered_ticket(&app, "Concert", json!("42.50")).await;

    let response = pay(&mut buyer_client, &order, "tok_visa").await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    // The charge: the ticket's price in cents, in USD.
    let intents = app.stripe.emulator.payment_intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["amount"], 4250);
    assert_eq!(intents[0]["currency"], "usd");
    assert_eq!(intents[0]["status"], "succeeded");
    // The payment, recorded against the order and the charge.
    let recorded = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(id_of(&order).parse::<uuid::Uuid>().unwrap()))
        .one(&app.database.db)
        .await
        .unwrap()
        .expect("a payment for the order");
    assert_eq!(
        recorded.id.to_string(),
        response.body["id"].as_str().unwrap()
    );
    assert_eq!(Some(recorded.stripe_id.as_str()), intents[0]["id"].as_str());
    assert_eq!(recorded.amount_cents, 4250);
    // The order complete, the ticket sold.
    let paid = order_reaches(&buyer_client, &order, "complete", Duration::from_secs(5)).await;
    assert_eq!(paid["paymentId"], response.body["id"]);
    let sold = buyer_client
        .get(&format!("/api/tickets/{}", id_of(&ticket)))
        .await
        .body;
    assert_eq!(sold["orderId"], order["id"]);
    assert_eq!(buyer_client.get("/api/tickets").await.body, json!([]));
}

#[tokio::test]
async fn a_declined_token_is_402_and_the_order_stays_payable_with_another_token() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!("20")).await;

    let declined = pay(&mut buyer_client, &order, "tok_chargeDeclined").await;

    declined.assert_error(StatusCode::PAYMENT_REQUIRED, ["Your card was declined."]);
    let still_open = buyer_client
        .get(&format!("/api/orders/{}", id_of(&order)))
        .await
        .body;
    assert_eq!(still_open["status"], "created");
    let paid = pay(&mut buyer_client, &order, "tok_visa").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    order_reaches(&buyer_client, &order, "complete", Duration::from_secs(5)).await;
}

#[tokio::test]
async fn each_declining_test_token_gives_stripes_message() {
    let app = TestApp::spawn().await;
    for (token, message) in [
        (
            "tok_chargeDeclinedInsufficientFunds",
            "Your card has insufficient funds.",
        ),
        ("tok_chargeDeclinedExpiredCard", "Your card has expired."),
        (
            "tok_chargeDeclinedIncorrectCvc",
            "Your card's security code is incorrect.",
        ),
        ("tok_chargeDeclinedFraudulent", "Your card was declined."),
    ] {
        let (mut buyer_client, _, order) = ordered_ticket(&app, token, json!("20")).await;

        let response = pay(&mut buyer_client, &order, token).await;

        assert_eq!(response.status, StatusCode::PAYMENT_REQUIRED, "{token}");
        assert_eq!(response.error_messages(), [message], "{token}");
    }
}

#[tokio::test]
async fn a_malformed_token_is_400_on_token_and_never_reaches_stripe() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!("20")).await;

    for token in [
        json!("not-a-token"),
        json!("asldkfj"),
        json!("pm_../../x"),
        json!("tok_visa/../../v1/refunds"),
        json!("tok_"),
        json!(format!("tok_{}", "a".repeat(201))),
        json!(""),
        json!(42),
    ] {
        let response = buyer_client
            .post(
                "/api/payments",
                json!({"orderId": order["id"], "token": token}),
            )
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{token}");
        assert_eq!(response.error_fields(), ["token"], "{token}");
    }
    assert!(app.stripe.emulator.payment_intents().is_empty());
    let paid = pay(&mut buyer_client, &order, "tok_visa").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
}

#[tokio::test]
async fn a_token_made_by_stripe_js_from_a_typed_card_pays_once() {
    let app = TestApp::spawn().await;
    // What Stripe.js `createToken(card)` sends when the buyer types 4242 4242 4242 4242.
    let token = from_stripe_js(
        &app,
        "/v1/tokens",
        &[
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    let token = token["id"].as_str().unwrap();
    let (_, first_ticket) = listed_ticket(&app, "First", json!("20")).await;
    let (_, second_ticket) = listed_ticket(&app, "Second", json!("20")).await;
    let mut buyer_client = buyer(&app).await;
    let first = order_for(&mut buyer_client, &first_ticket).await;
    let second = order_for(&mut buyer_client, &second_ticket).await;

    let paid = pay(&mut buyer_client, &first, token).await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);

    // Stripe refuses a token used before; the second order is not charged and stays payable.
    let reused = pay(&mut buyer_client, &second, token).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST, "{}", reused.body);
    assert_eq!(reused.error_fields(), ["token"]);
    let still_open = buyer_client
        .get(&format!("/api/orders/{}", id_of(&second)))
        .await
        .body;
    assert_eq!(still_open["status"], "created");
    assert_eq!(app.stripe.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_token_charge_reports_the_card_stripe_made_from_the_token_for_support_staff() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!("20")).await;

    let declined = pay(&mut buyer_client, &order, "tok_chargeDeclined").await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        card_shown_to_support(&app, &order).await.as_deref(),
        Some("visa ending 0002")
    );
    let paid = pay(&mut buyer_client, &order, "tok_mastercard").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    assert_eq!(
        card_shown_to_support(&app, &order).await.as_deref(),
        Some("mastercard ending 4444")
    );
}

/// The card the order's saga last charged, as its status query names it.
async fn card_shown_to_support(app: &TestApp, order: &Value) -> Option<String> {
    app.saga_of(order)
        .query(
            PurchaseWorkflow::status,
            (),
            temporalio_client::WorkflowQueryOptions::default(),
        )
        .await
        .expect("the status query")
        .card
}

#[tokio::test]
async fn the_spec_documents_the_token_as_a_payment_method_id_or_card_token() {
    let app = TestApp::spawn().await;
    let spec = app.anonymous().get("/api/openapi.json").await.body;

    let token = &spec["components"]["schemas"]["PaymentInput"]["properties"]["token"];

    assert_eq!(token["type"], "string");
    assert_eq!(token["pattern"], "^(pm|tok)_[A-Za-z0-9_]{1,200}$");
}
