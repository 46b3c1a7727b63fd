//! Verified addresses: joining a waiting list needs an address its owner proved they read, by
//! following a link the shop e-mails on request. The link works once, for 24 hours.

use axum::http::StatusCode;
use boxoffice_tests::fixtures::{
    buyer, email_of, expire_links, id_of, listed_ticket, order_for, verified_buyer,
};
use boxoffice_tests::mail::{link_path, outbox_text, shared_maildev, wait_for_message};
use boxoffice_tests::{ApiClient, ApiResponse, TestApp};
use serde_json::{Value, json};

/// A ticket someone holds: the one kind whose waiting list is open.
async fn held_ticket(app: &TestApp) -> Value {
    let (_seller, ticket) = listed_ticket(app, "Held show", json!(40)).await;
    let mut winner = buyer(app).await;
    order_for(&mut winner, &ticket).await;
    ticket
}

async fn join(shopper: &mut ApiClient<'_>, ticket: &Value) -> ApiResponse {
    let path = format!("/api/tickets/{}/waitlist", id_of(ticket));
    shopper.post(&path, json!({})).await
}

/// Asks for a verify link; the path it leads to, from the message the shop wrote. (Follow it
/// with a client of its own: a page's cookies would take the place of the shopper's session.)
async fn ask_for_a_link(app: &TestApp, shopper: &mut ApiClient<'_>) -> String {
    let asked = shopper.post("/api/users/verify", json!({})).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    let text = outbox_text(&app.state.db, &email_of(shopper).await, "verify").await;
    link_path(&text, "Verify my address").to_owned()
}

/// A page's HTML, as the in-process client read it.
fn html(response: &ApiResponse) -> &str {
    response.body.as_str().unwrap_or_default()
}

const UNVERIFIED: &str = "Verify your e-mail address to join a waiting list: we e-mail you a link (POST /api/users/verify, or the button on the ticket's page)";

#[tokio::test]
async fn joining_a_waiting_list_with_an_unverified_address_is_refused_with_the_way_to_verify() {
    let app = TestApp::spawn().await;
    let ticket = held_ticket(&app).await;
    let mut shopper = buyer(&app).await;

    let refused = join(&mut shopper, &ticket).await;

    refused.assert_error(StatusCode::BAD_REQUEST, [UNVERIFIED]);
    let list = shopper
        .get(&format!("/api/tickets/{}/waitlist", id_of(&ticket)))
        .await;
    assert_eq!(list.body["waiting"], 0);
}

#[tokio::test]
async fn the_link_arrives_by_mail_and_following_it_lets_the_shopper_join() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();
    let ticket = held_ticket(&app).await;
    let mut shopper = buyer(&app).await;
    let address = email_of(&shopper).await;

    let asked = shopper.post("/api/users/verify", json!({})).await;

    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    let mails = wait_for_message(&shared_maildev().1, &address, "Verify your e-mail address").await;
    assert_eq!(mails.len(), 1);
    let text = mails[0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("Link expires"), "{text}");
    let followed = app
        .anonymous()
        .get(link_path(text, "Verify my address"))
        .await;
    assert_eq!(followed.status, StatusCode::OK);
    assert!(html(&followed).contains("Your e-mail address is verified"));
    let joined = join(&mut shopper, &ticket).await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
}

#[tokio::test]
async fn a_link_works_once() {
    let app = TestApp::spawn().await;
    let mut shopper = buyer(&app).await;
    let link = ask_for_a_link(&app, &mut shopper).await;
    assert_eq!(app.anonymous().get(&link).await.status, StatusCode::OK);

    let again = app.anonymous().get(&link).await;

    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        html(&again).contains("This link was used already"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn an_expired_link_verifies_nothing() {
    let app = TestApp::spawn().await;
    let ticket = held_ticket(&app).await;
    let mut shopper = buyer(&app).await;
    let link = ask_for_a_link(&app, &mut shopper).await;
    expire_links(&app, &email_of(&shopper).await).await;

    let followed = app.anonymous().get(&link).await;

    assert_eq!(followed.status, StatusCode::BAD_REQUEST);
    let page = html(&followed);
    assert!(page.contains("This link has expired"), "{page}");
    assert!(
        page.contains("href=\"/account\""),
        "no way to ask again: {page}"
    );
    join(&mut shopper, &ticket)
        .await
        .assert_error(StatusCode::BAD_REQUEST, [UNVERIFIED]);
}

#[tokio::test]
async fn a_garbled_link_is_a_page_that_says_so() {
    let app = TestApp::spawn().await;

    for path in ["/verify?token=abc", "/verify", "/verify?token="] {
        let followed = app.anonymous().get(path).await;

        assert_eq!(followed.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(html(&followed).contains("This link is not valid"), "{path}");
    }
}

#[tokio::test]
async fn a_second_link_within_a_minute_is_refused_until_retry_after() {
    let app = TestApp::spawn().await;
    let mut shopper = buyer(&app).await;
    ask_for_a_link(&app, &mut shopper).await;

    let again = shopper.post("/api/users/verify", json!({})).await;

    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        again.body
    );
    assert!(again.error_messages()[0].starts_with("A link was sent to you a moment ago"));
    assert!(again.retry_after.is_some());
}

#[tokio::test]
async fn a_verified_address_is_not_sent_another_link() {
    let app = TestApp::spawn().await;
    let mut shopper = verified_buyer(&app).await;

    let again = shopper.post("/api/users/verify", json!({})).await;

    again.assert_error(
        StatusCode::BAD_REQUEST,
        ["Your e-mail address is verified already"],
    );
}

#[tokio::test]
async fn asking_for_a_link_needs_a_session() {
    let app = TestApp::spawn().await;

    let asked = app.anonymous().post("/api/users/verify", json!({})).await;

    assert_eq!(asked.status, StatusCode::UNAUTHORIZED);
}
