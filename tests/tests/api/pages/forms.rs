//! Forms: POST, 303 and the flash; CSRF tokens and `Origin`.

use boxoffice_tests::TestServer;
use boxoffice_tests::visitor::{PASSWORD, Reply, Visitor, csrf_token, email, input_value, text_of};
use reqwest::StatusCode;
use reqwest::header;
use serde_json::{Value, json};

use super::{tickets_in_the_database, users_in_the_database};

#[tokio::test]
async fn signing_up_with_bad_input_shows_the_form_again_with_each_message_next_to_its_field() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);

    let reply = visitor.submit_sign_up("not-an-email", "s3cr3t").await;

    let form = visitor.follow_to(&reply, "/auth/signup").await;
    assert_eq!(
        text_of(&form.body, "email-error"),
        Some("Email must be valid")
    );
    assert_eq!(
        text_of(&form.body, "password-error"),
        Some("Password must be between 8 and 128 characters")
    );
    assert_eq!(input_value(&form.body, "email"), Some("not-an-email"));
    assert_eq!(input_value(&form.body, "password"), Some(""));
    form.assert_does_not_show("s3cr3t");
    assert_eq!(users_in_the_database(&server).await, 0);
}

#[tokio::test]
async fn the_messages_of_a_rejected_form_are_shown_only_once() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    let reply = visitor.submit_sign_up("not-an-email", "s3cr3t").await;
    let first = visitor.follow(&reply).await;
    assert!(
        text_of(&first.body, "email-error").is_some(),
        "{}",
        first.body
    );

    let again = visitor.page("/auth/signup").await;

    assert_eq!(text_of(&again.body, "email-error"), None, "{}", again.body);
    assert_eq!(text_of(&again.body, "password-error"), None);
    assert_eq!(input_value(&again.body, "email"), Some(""));
}

#[tokio::test]
async fn visiting_another_page_first_does_not_lose_a_rejected_forms_messages() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    visitor.submit_sign_up("not-an-email", "s3cr3t").await;

    visitor.page("/").await;
    let form = visitor.page("/auth/signup").await;

    assert!(
        text_of(&form.body, "email-error").is_some(),
        "{}",
        form.body
    );
    assert_eq!(input_value(&form.body, "email"), Some("not-an-email"));
}

// CSRF and Origin.

fn assert_is_the_expired_form_page(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    reply.assert_shows("This form has expired");
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    visitor.page("/auth/signup").await;
    let address = email("someone");

    let reply = visitor
        .post(
            "/auth/signup",
            &[("email", address.as_str()), ("password", PASSWORD)],
        )
        .await;

    assert_is_the_expired_form_page(&reply);
    assert_eq!(users_in_the_database(&server).await, 0);
    let me = visitor.get_json("/api/users/currentuser").await;
    assert_eq!(me["currentUser"], Value::Null);
}

#[tokio::test]
async fn a_form_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;
    let token = csrf_token(&seller.page("/tickets/new").await.body);
    let (kept, last) = token.split_at(token.len() - 1);
    let forged = format!("{kept}{}", if last == "0" { "1" } else { "0" });

    let reply = seller
        .post(
            "/tickets/new",
            &[
                ("csrf_token", forged.as_str()),
                ("title", "Forged"),
                ("price", "10"),
            ],
        )
        .await;

    assert_is_the_expired_form_page(&reply);
    assert_eq!(tickets_in_the_database(&server).await, 0);
    assert_eq!(seller.get_json("/api/tickets").await, json!([]));
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_a_valid_token() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;

    let reply = sell_with_a_valid_token_from(&seller, "https://evil.example", "Cross-site").await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    assert_eq!(tickets_in_the_database(&server).await, 0);
}

#[tokio::test]
async fn a_form_posted_from_this_site_with_its_origin_is_accepted() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;

    let reply = sell_with_a_valid_token_from(&seller, &server.base_url, "Same site").await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(tickets_in_the_database(&server).await, 1);
}

/// Posts the sell form with a valid CSRF token, as a page on `origin` would.
async fn sell_with_a_valid_token_from(seller: &Visitor, origin: &str, title: &str) -> Reply {
    let token = csrf_token(&seller.page("/tickets/new").await.body);
    let fields = [
        ("csrf_token", token.as_str()),
        ("title", title),
        ("price", "10"),
    ];
    let request = seller.client.post(seller.url("/tickets/new"));
    Visitor::read(request.header(header::ORIGIN, origin).form(&fields)).await
}

#[tokio::test]
async fn a_refused_form_starts_with_a_focused_summary_linking_to_each_field() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;

    let reply = seller.submit_sell("", "abc").await;

    let form = seller.follow_to(&reply, "/tickets/new").await;
    let summary = &form.body[form.body.find("id=\"error-summary\"").expect("a summary")..];
    let summary = &summary[..summary.find("</div>").expect("the summary ends")];
    assert!(form.body.contains("role=\"alert\""));
    assert!(summary.contains("href=\"#title\""), "{summary}");
    assert!(summary.contains("href=\"#price\""), "{summary}");
    assert!(summary.contains("Price must be a number"), "{summary}");
    assert!(
        form.body.contains("autofocus"),
        "the summary takes the focus"
    );
}

#[tokio::test]
async fn the_price_field_opens_a_number_keyboard_and_its_limits_read_as_money() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;
    let sell_page = seller.page("/tickets/new").await;
    assert!(
        sell_page.body.contains("inputmode=\"decimal\""),
        "the price input asks for a decimal keyboard"
    );

    let reply = seller.submit_sell("Opera", "1000000").await;

    let form = seller.follow_to(&reply, "/tickets/new").await;
    assert_eq!(
        text_of(&form.body, "price-error"),
        Some("Price must be at most $999,999.99")
    );
}

#[tokio::test]
async fn an_over_long_email_is_refused_with_a_message_not_cut_short() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    let address = format!("{}@example.com", "a".repeat(300));

    let reply = visitor.submit_sign_up(&address, PASSWORD).await;

    let form = visitor.follow_to(&reply, "/auth/signup").await;
    assert_eq!(
        text_of(&form.body, "email-error"),
        Some("Email must be at most 254 characters")
    );
    assert_eq!(users_in_the_database(&server).await, 0);
}
