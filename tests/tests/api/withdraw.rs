//! `DELETE /api/tickets/:id`: the seller takes a ticket off sale, only while it is for sale.

use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{
    buyer, each_at, id_of, listed_ticket, order_for, order_reaches, pay_with_a_good_card, withdraw,
};
use serde_json::json;

#[tokio::test]
async fn a_withdrawn_ticket_leaves_the_listing_at_once_and_stays_readable_marked_withdrawn() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Withdrawn gig", json!(20)).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));
    // The shared first page is read (and kept) before the withdrawal.
    assert_eq!(
        each_at(&app.anonymous().get("/api/tickets").await.body, "/title"),
        ["Withdrawn gig"]
    );

    let response = seller.delete(&path).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["withdrawn"], true);
    assert_eq!(response.body["version"], 1);
    let listing = app.anonymous().get("/api/tickets").await.body;
    assert!(each_at(&listing, "/title").is_empty(), "{listing}");
    let shown = app.anonymous().get(&path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["title"], "Withdrawn gig");
    assert_eq!(shown.body["withdrawn"], true);
}

#[tokio::test]
async fn a_withdrawn_ticket_cannot_be_ordered() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Gone", json!(20)).await;
    withdraw(&mut seller, &ticket).await;

    let response = buyer(&app)
        .await
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;

    response.assert_error(
        StatusCode::BAD_REQUEST,
        ["The seller has withdrawn this ticket"],
    );
}

#[tokio::test]
async fn withdrawing_is_refused_while_the_ticket_is_held() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Held", json!(20)).await;
    order_for(&mut buyer(&app).await, &ticket).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));

    let response = seller.delete(&path).await;

    response.assert_error(
        StatusCode::BAD_REQUEST,
        ["Cannot withdraw a ticket while it is on hold"],
    );
    assert_eq!(app.anonymous().get(&path).await.body["withdrawn"], false);
}

#[tokio::test]
async fn withdrawing_a_sold_ticket_is_refused() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Sold", json!(20)).await;
    let mut shopper = buyer(&app).await;
    let order = order_for(&mut shopper, &ticket).await;
    pay_with_a_good_card(&mut shopper, &order).await;
    order_reaches(&shopper, &order, "complete", Duration::from_secs(20)).await;

    let response = withdraw(&mut seller, &ticket).await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Cannot withdraw a sold ticket"]);
}

#[tokio::test]
async fn withdrawing_someone_elses_ticket_is_401_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Not yours", json!(20)).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));

    let response = buyer(&app).await.delete(&path).await;

    response.assert_error(StatusCode::UNAUTHORIZED, ["Not authorized"]);
    assert_eq!(app.anonymous().get(&path).await.body, ticket);
}

#[tokio::test]
async fn a_withdrawn_ticket_cannot_be_edited() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Final", json!(20)).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));
    seller.delete(&path).await;

    let response = seller
        .put(&path, json!({"title": "Back again", "price": 20}))
        .await;

    response.assert_error(
        StatusCode::BAD_REQUEST,
        ["The seller has withdrawn this ticket"],
    );
}
