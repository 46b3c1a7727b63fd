use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{
    buyer, from_stripe_js, id_of, order_reaches, ordered_ticket, pay, pay_with_a_good_card,
};
use serde_json::{Value, json};
use std::time::Duration;

/// An order as `pay` takes it, with an id no order has.
fn no_such_order() -> Value {
    json!({"id": uuid::Uuid::new_v4()})
}

#[tokio::test]
async fn paying_with_a_good_card_returns_201_completes_the_order_and_sells_the_ticket() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, ticket, order) = ordered_ticket(&app, "Concert", json!(20.5)).await;

    let response = pay(&mut buyer_client, &order, "pm_card_visa").await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let payment_id = response.body["id"].as_str().unwrap();
    let paid = buyer_client
        .get(&format!("/api/orders/{}", id_of(&order)))
        .await
        .body;
    assert_eq!(paid["status"], "complete");
    assert_eq!(paid["paymentId"], payment_id);
    let sold = buyer_client
        .get(&format!("/api/tickets/{}", id_of(&ticket)))
        .await
        .body;
    assert_eq!(sold["orderId"], order["id"]);
    assert_eq!(buyer_client.get("/api/tickets").await.body, json!([]));

    let intents = app.stripe.emulator.payment_intents();
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["amount"], 2050);
    assert_eq!(intents[0]["currency"], "usd");
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(intents[0]["metadata"]["order_id"], order["id"]);
}

#[tokio::test]
async fn a_test_card_number_tokenised_by_stripe_js_pays_too() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let payment_method = from_stripe_js(
        &app,
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ],
    )
    .await;

    let response = pay(
        &mut buyer_client,
        &order,
        payment_method["id"].as_str().unwrap(),
    )
    .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
}

#[tokio::test]
async fn a_declined_card_is_402_and_the_order_stays_payable_with_another_card() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;

    let declined = pay(&mut buyer_client, &order, "pm_card_visa_chargeDeclined").await;

    declined.assert_error(StatusCode::PAYMENT_REQUIRED, ["Your card was declined."]);
    let still_open = buyer_client
        .get(&format!("/api/orders/{}", id_of(&order)))
        .await
        .body;
    assert_eq!(still_open["status"], "created");

    let paid = pay(&mut buyer_client, &order, "pm_card_visa").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    let statuses: Vec<Value> = app
        .stripe
        .emulator
        .payment_intents()
        .iter()
        .map(|pi| pi["status"].clone())
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&json!("succeeded")));
}

#[tokio::test]
async fn insufficient_funds_gives_stripes_message() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let response = pay(
        &mut buyer_client,
        &order,
        "pm_card_visa_chargeDeclinedInsufficientFunds",
    )
    .await;
    response.assert_error(
        StatusCode::PAYMENT_REQUIRED,
        ["Your card has insufficient funds."],
    );
}

#[tokio::test]
async fn an_unknown_payment_method_is_400_and_the_order_stays_payable() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;

    let response = pay(&mut buyer_client, &order, "pm_does_not_exist").await;

    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["token"]);
    let paid = pay(&mut buyer_client, &order, "pm_card_visa").await;
    assert_eq!(paid.status, StatusCode::CREATED);
}

#[tokio::test]
async fn paying_requires_a_session() {
    let app = TestApp::spawn().await;
    let response = pay(&mut app.anonymous(), &no_such_order(), "pm_card_visa").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn paying_without_order_id_and_token_lists_both_fields() {
    let app = TestApp::spawn().await;
    let response = buyer(&app).await.post("/api/payments", json!({})).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["orderId", "token"]);
}

#[tokio::test]
async fn paying_for_an_unknown_order_is_404() {
    let app = TestApp::spawn().await;
    let response = pay(&mut buyer(&app).await, &no_such_order(), "pm_card_visa").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn paying_for_someone_elses_order_is_401_and_charges_nothing() {
    let app = TestApp::spawn().await;
    let (_, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;

    let response = pay(&mut buyer(&app).await, &order, "pm_card_visa").await;

    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert!(app.stripe.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn paying_for_a_cancelled_order_is_400_and_charges_nothing() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    buyer_client
        .delete(&format!("/api/orders/{}", id_of(&order)))
        .await;

    let response = pay(&mut buyer_client, &order, "pm_card_visa").await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Order is cancelled"]);
    assert!(app.stripe.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn paying_twice_is_400_already_paid_and_charges_once() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    pay_with_a_good_card(&mut buyer_client, &order).await;

    let again = pay(&mut buyer_client, &order, "pm_card_visa").await;

    again.assert_error(StatusCode::BAD_REQUEST, ["Order is already paid"]);
    assert_eq!(app.stripe.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn paying_after_the_hold_expired_is_400_and_charges_nothing() {
    let app = TestApp::spawn_with_hold(2).await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    order_reaches(&buyer_client, &order, "cancelled", Duration::from_secs(20)).await;

    let response = pay(&mut buyer_client, &order, "pm_card_visa").await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Order has expired"]);
    assert!(app.stripe.emulator.payment_intents().is_empty());
}

#[tokio::test]
async fn a_double_click_on_pay_charges_once_and_the_second_click_is_400() {
    let app = TestApp::spawn().await;
    let (mut first_tab, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let mut second_tab = first_tab.clone();

    let (first, second) = tokio::join!(
        pay(&mut first_tab, &order, "pm_card_visa"),
        pay(&mut second_tab, &order, "pm_card_visa"),
    );

    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::BAD_REQUEST]);
    assert_eq!(app.stripe.emulator.payment_intents().len(), 1);
    let paid = first_tab
        .get(&format!("/api/orders/{}", id_of(&order)))
        .await
        .body;
    assert_eq!(paid["status"], "complete");
}
