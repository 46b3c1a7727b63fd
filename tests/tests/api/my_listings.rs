//! `GET /api/users/me/tickets` and `/totals`: the seller's own tickets, where each stands, and
//! what they came to — never who holds or bought one.

use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_tests::fixtures::{
    buyer, each_at, id_of, list_ticket, listed_ticket, next_page, order_for, order_reaches,
    pay_with_a_good_card, verified_buyer, withdraw,
};
use boxoffice_tests::{ApiClient, TestApp};
use serde_json::{Value, json};

async fn my_only_listing(seller: &mut ApiClient<'_>) -> Value {
    let response = seller.get("/api/users/me/tickets").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let listings = response.body.as_array().expect("a list").clone();
    assert_eq!(listings.len(), 1, "{}", response.body);
    listings[0].clone()
}

async fn user_id(client: &mut ApiClient<'_>) -> String {
    let me = client.get("/api/users/currentuser").await.body;
    me["currentUser"]["id"]
        .as_str()
        .expect("signed in")
        .to_owned()
}

#[tokio::test]
async fn the_sellers_list_follows_a_sale_from_for_sale_to_held_to_sold_never_naming_the_buyer() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Front row", json!(42.5)).await;
    let listed = my_only_listing(&mut seller).await;
    assert_eq!(listed["state"], "forSale");
    assert_eq!(listed["waitingCount"], 0);
    assert_eq!(listed["title"], "Front row");

    let mut shopper = buyer(&app).await;
    let order = order_for(&mut shopper, &ticket).await;
    let mut waiter = verified_buyer(&app).await;
    let joined = waiter
        .post(
            &format!("/api/tickets/{}/waitlist", id_of(&ticket)),
            json!({}),
        )
        .await;
    assert!(joined.status.is_success(), "{}", joined.body);
    let held = my_only_listing(&mut seller).await;
    assert_eq!(held["state"], "held");
    assert!(held["heldUntil"].is_string(), "{held}");
    assert_eq!(held["waitingCount"], 1);
    let shopper_id = user_id(&mut shopper).await;
    for secret in [shopper_id.as_str(), id_of(&order)] {
        assert!(!held.to_string().contains(secret), "{held} names {secret}");
    }

    pay_with_a_good_card(&mut shopper, &order).await;
    order_reaches(&shopper, &order, "complete", Duration::from_secs(20)).await;
    let sold = my_only_listing(&mut seller).await;
    assert_eq!(sold["state"], "sold");
    assert_eq!(sold["soldPrice"], json!(42.5));
    assert!(sold["soldAt"].is_string(), "{sold}");
    assert!(sold.get("heldUntil").is_none(), "{sold}");
    assert!(!sold.to_string().contains(&shopper_id), "{sold}");

    let totals = seller.get("/api/users/me/tickets/totals").await;
    assert_eq!(totals.status, StatusCode::OK);
    assert_eq!(
        totals.body,
        json!({"listed": 1, "sold": 1, "revenue": 42.5})
    );
}

#[tokio::test]
async fn a_hold_that_expires_puts_the_ticket_back_for_sale_in_the_sellers_list() {
    let app = TestApp::spawn_with_hold(2).await;
    let (mut seller, ticket) = listed_ticket(&app, "Second chance", json!(20)).await;
    let mut shopper = buyer(&app).await;
    let order = order_for(&mut shopper, &ticket).await;
    assert_eq!(my_only_listing(&mut seller).await["state"], "held");

    order_reaches(&shopper, &order, "cancelled", Duration::from_secs(20)).await;

    let listing = my_only_listing(&mut seller).await;
    assert_eq!(listing["state"], "forSale");
    assert!(listing.get("heldUntil").is_none(), "{listing}");
}

#[tokio::test]
async fn a_withdrawn_ticket_shows_as_withdrawn_in_the_sellers_list() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Changed my mind", json!(20)).await;
    withdraw(&mut seller, &ticket).await;

    let listing = my_only_listing(&mut seller).await;

    assert_eq!(listing["state"], "withdrawn");
    assert!(listing["withdrawnAt"].is_string(), "{listing}");
    let totals = seller.get("/api/users/me/tickets/totals").await.body;
    assert_eq!(totals, json!({"listed": 1, "sold": 0, "revenue": 0}));
}

#[tokio::test]
async fn the_sellers_list_holds_only_their_own_tickets_newest_first_in_pages() {
    let app = TestApp::spawn().await;
    let (mut seller, _) = listed_ticket(&app, "First", json!(10)).await;
    list_ticket(&mut seller, "Second", json!(10)).await;
    list_ticket(&mut seller, "Third", json!(10)).await;
    listed_ticket(&app, "Someone else's", json!(10)).await;

    let first = seller.get("/api/users/me/tickets?limit=2").await;
    assert_eq!(each_at(&first.body, "/title"), ["Third", "Second"]);
    let second = seller.get(&next_page(&first)).await;
    assert_eq!(each_at(&second.body, "/title"), ["First"]);
    assert_eq!(second.link, None);
}

#[tokio::test]
async fn the_sellers_list_and_totals_need_a_session() {
    let app = TestApp::spawn().await;
    for path in ["/api/users/me/tickets", "/api/users/me/tickets/totals"] {
        let response = app.anonymous().get(path).await;
        response.assert_error(StatusCode::UNAUTHORIZED, ["Not authorized"]);
    }
}
