//! The site's own error pages.

use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket, order_for};
use boxoffice_tests::visitor::{Reply, Visitor};
use reqwest::StatusCode;
use serde_json::json;

fn assert_is_the_404_page(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    reply.assert_shows("Page not found");
}

#[tokio::test]
async fn someone_elses_order_is_the_404_page() {
    let server = TestServer::spawn().await;
    let (_, ticket) = listed_ticket(&server.app, "Concert", json!(25)).await;
    let order = order_for(&mut buyer(&server.app).await, &ticket).await;
    let visitor = Visitor::signed_up(&server, "nosy").await;

    let reply = visitor.get(&format!("/orders/{}", id_of(&order))).await;

    assert_is_the_404_page(&reply);
    reply.assert_does_not_show("Concert");
}

#[tokio::test]
async fn an_order_that_does_not_exist_is_the_404_page() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::signed_up(&server, "shopper").await;

    let reply = visitor
        .get(&format!("/orders/{}", uuid::Uuid::new_v4()))
        .await;

    assert_is_the_404_page(&reply);
}

#[tokio::test]
async fn an_order_id_that_is_not_a_uuid_is_the_404_page() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::signed_up(&server, "shopper").await;

    let reply = visitor.get("/orders/not-a-uuid").await;

    assert_is_the_404_page(&reply);
}

#[tokio::test]
async fn an_unknown_page_is_the_html_404_page() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/no/such/page").await;

    assert_is_the_404_page(&reply);
}

#[tokio::test]
async fn a_failure_on_our_side_is_the_sites_500_page_without_details() {
    use sea_orm::ConnectionTrait;
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    // The database loses a table: reading the tickets for home fails.
    server
        .app
        .database
        .db
        .execute_unprepared("DROP TABLE tickets CASCADE")
        .await
        .unwrap();

    let reply = visitor.get("/").await;

    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        reply.content_type().starts_with("text/html"),
        "{}",
        reply.content_type()
    );
    reply.assert_shows("Something went wrong");
    reply.assert_shows("class=\"site-header\"");
    assert!(
        !reply.body.contains("tickets\" does not exist"),
        "leaks the cause: {}",
        reply.body
    );
}

#[tokio::test]
async fn an_unknown_api_path_is_still_the_json_404() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/api/no/such/route").await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(
        reply.json(),
        json!({"errors": [{"message": "No such route"}]})
    );
}
