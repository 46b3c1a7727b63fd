//! Steps many tests share: a seller with a ticket, a buyer with an order, waiting for the saga.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::{ApiClient, TestApp};

/// A seller who has listed one ticket.
pub async fn listed_ticket<'a>(
    app: &'a TestApp,
    title: &str,
    price: Value,
) -> (ApiClient<'a>, Value) {
    let mut seller = app
        .signed_up(&format!(
            "seller-{}@example.com",
            uuid::Uuid::new_v4().simple()
        ))
        .await;
    let response = seller
        .post("/api/tickets", json!({"title": title, "price": price}))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    (seller, response.body)
}

/// A fresh buyer.
pub async fn buyer(app: &TestApp) -> ApiClient<'_> {
    app.signed_up(&format!(
        "buyer-{}@example.com",
        uuid::Uuid::new_v4().simple()
    ))
    .await
}

/// The buyer orders the ticket and the order is created.
pub async fn order_for(buyer: &mut ApiClient<'_>, ticket: &Value) -> Value {
    let response = buyer
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

pub async fn pay(buyer: &mut ApiClient<'_>, order: &Value, token: &str) -> crate::ApiResponse {
    buyer
        .post(
            "/api/payments",
            json!({"orderId": order["id"], "token": token}),
        )
        .await
}

/// Waits until the buyer sees the order in `status`, and returns it.
pub async fn order_reaches(
    buyer: &ApiClient<'_>,
    order: &Value,
    status: &str,
    timeout: Duration,
) -> Value {
    let path = format!("/api/orders/{}", id_of(order));
    eventually(&format!("order to be {status}"), timeout, || {
        let (mut client, path) = (buyer.clone(), path.clone());
        async move {
            let body = client.get(&path).await.body;
            (body["status"] == status).then_some(body)
        }
    })
    .await
}

/// Knocks the order out of "awaiting payment" behind the saga's back, so that a charge succeeds
/// and completing the order then fails for good — the case the refund compensation exists for.
pub async fn make_completion_impossible(app: &TestApp, order: &Value) {
    use sea_orm::ConnectionTrait;
    app.database
        .db
        .execute_unprepared(&format!(
            "UPDATE orders SET status = 'awaiting:payment' WHERE id = '{}'",
            id_of(order)
        ))
        .await
        .expect("update the order");
}

pub fn id_of(value: &Value) -> &str {
    value["id"].as_str().expect("an id")
}

/// Polls `check` until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
