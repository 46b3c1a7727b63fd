use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{buyer, each_at, id_of, listed_ticket, order_for, ordered_ticket};
use boxoffice_workflows::{PurchaseWorkflow, Stage};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use temporalio_client::WorkflowQueryOptions;

#[tokio::test]
async fn ordering_a_ticket_holds_it_and_returns_201_with_a_created_order() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Concert", json!(20)).await;
    let mut buyer = buyer(&app).await;
    let me = buyer.get("/api/users/currentuser").await.body;

    let order = order_for(&mut buyer, &ticket).await;

    assert_eq!(order["status"], "created");
    assert_eq!(order["userId"], me["currentUser"]["id"]);
    assert_eq!(order["ticket"]["id"], ticket["id"]);
    assert_eq!(order["ticket"]["title"], "Concert");
    assert_eq!(order["ticket"]["price"], json!(20));
    assert_eq!(order["cancelReason"], Value::Null);
    assert_eq!(order["paymentId"], Value::Null);
    let expires_at: DateTime<Utc> = order["expiresAt"].as_str().unwrap().parse().unwrap();
    let hold = (expires_at - Utc::now()).num_seconds();
    assert!((110..=121).contains(&hold), "expiresAt is {hold}s away");

    let held = buyer
        .get(&format!("/api/tickets/{}", id_of(&ticket)))
        .await
        .body;
    assert_eq!(held["orderId"], order["id"]);
    let for_sale = buyer.get("/api/tickets").await.body;
    assert_eq!(for_sale, json!([]));
}

#[tokio::test]
async fn each_order_is_a_workflow_named_for_it_that_answers_the_status_query() {
    let app = TestApp::spawn().await;
    let (_, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let order_id: boxoffice_domain::OrderId = id_of(&order).parse().unwrap();

    let status = app
        .saga_of(&order)
        .query(
            PurchaseWorkflow::status,
            (),
            WorkflowQueryOptions::default(),
        )
        .await
        .unwrap();

    assert_eq!(status.stage, Stage::AwaitingPayment);
    assert_eq!(status.order_id, order_id);
    assert_eq!(status.attempts, 0);
}

#[tokio::test]
async fn ordering_requires_a_session() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Concert", json!(20)).await;
    let response = app
        .anonymous()
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn ordering_without_a_ticket_id_is_400() {
    let app = TestApp::spawn().await;
    let mut buyer = buyer(&app).await;
    for body in [json!({}), json!({"ticketId": ""}), json!({"ticketId": 7})] {
        let response = buyer.post("/api/orders", body.clone()).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.error_fields(), ["ticketId"]);
    }
}

#[tokio::test]
async fn ordering_an_unknown_ticket_is_404() {
    let app = TestApp::spawn().await;
    let mut buyer = buyer(&app).await;
    let response = buyer
        .post("/api/orders", json!({"ticketId": uuid::Uuid::new_v4()}))
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ordering_a_reserved_ticket_is_400() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Concert", json!(20)).await;
    order_for(&mut buyer(&app).await, &ticket).await;

    let response = buyer(&app)
        .await
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Ticket is already reserved"]);
}

#[tokio::test]
async fn ordering_your_own_ticket_is_400() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Concert", json!(20)).await;
    let response = seller
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;
    response.assert_error(StatusCode::BAD_REQUEST, ["Cannot buy your own ticket"]);
}

#[tokio::test]
async fn listing_orders_returns_the_callers_orders_oldest_first_with_their_tickets() {
    let app = TestApp::spawn().await;
    let (_, first) = listed_ticket(&app, "First", json!(10)).await;
    let (_, second) = listed_ticket(&app, "Second", json!(20)).await;
    let (_, someone_elses) = listed_ticket(&app, "Other", json!(30)).await;
    let mut buyer_client = buyer(&app).await;
    order_for(&mut buyer_client, &first).await;
    order_for(&mut buyer_client, &second).await;
    order_for(&mut buyer(&app).await, &someone_elses).await;

    let response = buyer_client.get("/api/orders").await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        each_at(&response.body, "/ticket/title"),
        ["First", "Second"]
    );
}

#[tokio::test]
async fn listing_orders_requires_a_session() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.anonymous().get("/api/orders").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn showing_an_order_returns_it_to_its_buyer_only() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let path = format!("/api/orders/{}", id_of(&order));

    let own = buyer_client.get(&path).await;
    let someone_else = buyer(&app).await.get(&path).await;
    let nobody = app.anonymous().get(&path).await;

    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body, order);
    assert_eq!(someone_else.status, StatusCode::UNAUTHORIZED);
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn showing_an_unknown_order_is_404() {
    let app = TestApp::spawn().await;
    let response = buyer(&app)
        .await
        .get(&format!("/api/orders/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cancelling_an_order_returns_204_and_puts_the_ticket_back_on_sale() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, ticket, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let path = format!("/api/orders/{}", id_of(&order));

    let response = buyer_client.delete(&path).await;

    assert_eq!(response.status, StatusCode::NO_CONTENT);
    let cancelled = buyer_client.get(&path).await.body;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancelReason"], "cancelled");
    let for_sale = buyer_client.get("/api/tickets").await.body;
    assert_eq!(for_sale[0]["id"], ticket["id"]);
    assert_eq!(for_sale[0]["orderId"], Value::Null);
}

#[tokio::test]
async fn cancelling_someone_elses_order_is_401_and_an_unknown_one_404() {
    let app = TestApp::spawn().await;
    let (_, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;

    let other = buyer(&app)
        .await
        .delete(&format!("/api/orders/{}", id_of(&order)))
        .await;
    let unknown = buyer(&app)
        .await
        .delete(&format!("/api/orders/{}", uuid::Uuid::new_v4()))
        .await;

    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cancelling_a_complete_order_is_400() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let paid = boxoffice_tests::fixtures::pay(&mut buyer_client, &order, "pm_card_visa").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);

    let response = buyer_client
        .delete(&format!("/api/orders/{}", id_of(&order)))
        .await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Cannot cancel a completed order"]);
}

#[tokio::test]
async fn support_finds_a_live_hold_by_its_order_status_and_ids() {
    let app = TestApp::spawn().await;
    let (_, ticket, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let query = format!(
        "OrderStatus = 'AwaitingPayment' AND OrderId = '{}' AND TicketId = '{}'",
        id_of(&order),
        id_of(&ticket)
    );

    let count = boxoffice_tests::fixtures::eventually(
        "the hold to be listed",
        std::time::Duration::from_secs(15),
        || async {
            let count = app
                .state
                .temporal
                .count_workflows(query.clone(), Default::default())
                .await
                .unwrap()
                .count();
            (count == 1).then_some(count)
        },
    )
    .await;

    assert_eq!(count, 1);
}
