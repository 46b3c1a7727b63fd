//! Accounts: one session for the pages and the JSON API; signing in and coming back.

use boxoffice_tests::TestServer;
use boxoffice_tests::visitor::{PASSWORD, Reply, Visitor, email, input_value, text_of};
use reqwest::StatusCode;
use serde_json::json;

/// An account signed up through the JSON API (password [`PASSWORD`]), and a browser that is not
/// signed in.
async fn account_and_signed_out_browser(server: &TestServer, role: &str) -> (String, Visitor) {
    let address = email(role);
    server.app.signed_up(&address).await;
    (address, Visitor::new(server))
}

/// Submits the sign-in form of the page at `page` with `next` and the credentials.
async fn sign_in(
    visitor: &Visitor,
    page: &str,
    next: &str,
    address: &str,
    password: &str,
) -> Reply {
    let fields = [("next", next), ("email", address), ("password", password)];
    visitor.submit(page, "/auth/signin", &fields).await
}

#[tokio::test]
async fn signing_up_through_the_page_signs_in_the_json_api_too() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    let address = email("shopper");

    let home = visitor.sign_up(&address).await;

    home.assert_shows(&address);
    let me = visitor.get_json("/api/users/currentuser").await;
    assert_eq!(me["currentUser"]["email"], address.as_str());
}

#[tokio::test]
async fn signing_in_through_the_json_api_signs_in_the_pages_too() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "shopper").await;
    let before = visitor.page("/").await;
    assert!(!before.body.contains(&address));

    let signed_in = visitor
        .post_json(
            "/api/users/signin",
            json!({"email": address, "password": PASSWORD}),
        )
        .await;

    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let home = visitor.page("/").await;
    home.assert_shows(&format!("Signed in as <strong>{address}</strong>"));
}

// Signing in and coming back.

#[tokio::test]
async fn selling_while_signed_out_redirects_to_sign_in_with_the_way_back() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/tickets/new").await;

    reply.assert_redirects_to("/auth/signin?next=%2Ftickets%2Fnew");
}

#[tokio::test]
async fn signing_in_through_the_form_with_next_lands_on_that_page() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "seller").await;
    let to_sign_in = visitor.get("/tickets/new").await;
    let sign_in_page = to_sign_in.location().to_owned();
    let form = visitor.page(&sign_in_page).await;
    assert_eq!(input_value(&form.body, "next"), Some("/tickets/new"));

    let reply = sign_in(&visitor, &sign_in_page, "/tickets/new", &address, PASSWORD).await;

    let sell = visitor.follow_to(&reply, "/tickets/new").await;
    sell.assert_shows("Sell a ticket");
    assert!(sell.body.contains(&address));
}

#[tokio::test]
async fn an_off_site_next_is_ignored_after_signing_in() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "shopper").await;
    let form = visitor.page("/auth/signin?next=//evil.example").await;
    assert_eq!(input_value(&form.body, "next"), None);

    let reply = sign_in(
        &visitor,
        "/auth/signin",
        "//evil.example",
        &address,
        PASSWORD,
    )
    .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/");
}

#[tokio::test]
async fn a_next_that_a_browser_would_read_as_another_site_is_ignored_after_signing_in() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "shopper").await;
    let base = url::Url::parse(&server.base_url).expect("the base URL");

    // Browsers drop tabs and newlines from a URL, and read a backslash as a slash.
    for next in [
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
    ] {
        let reply = sign_in(&visitor, "/auth/signin", next, &address, PASSWORD).await;

        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "next {next:?}: {}",
            reply.body
        );
        let landed = base.join(reply.location()).expect("a URL");
        assert_eq!(landed.host_str(), base.host_str(), "next {next:?}");
        assert_eq!(landed.path(), "/", "next {next:?}");
    }
}

#[tokio::test]
async fn a_refused_sign_in_keeps_the_way_back() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "seller").await;
    let sign_in_page = "/auth/signin?next=%2Ftickets%2Fnew";

    let refused = sign_in(
        &visitor,
        sign_in_page,
        "/tickets/new",
        &address,
        "not-the-password",
    )
    .await;
    let form = visitor.follow_to(&refused, "/auth/signin").await;
    form.assert_shows("role=\"alert\"");
    assert_eq!(input_value(&form.body, "email"), Some(address.as_str()));
    assert_eq!(input_value(&form.body, "next"), Some("/tickets/new"));
    let next = input_value(&form.body, "next").expect("next").to_owned();
    let signed_in = sign_in(&visitor, "/auth/signin", &next, &address, PASSWORD).await;

    assert_eq!(signed_in.location(), "/tickets/new");
}

#[tokio::test]
async fn a_wrong_password_on_the_sign_in_page_reads_as_wrong_email_or_password() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "shopper").await;

    let refused = sign_in(&visitor, "/auth/signin", "/", &address, "not-the-password").await;

    let form = visitor.follow_to(&refused, "/auth/signin").await;
    form.assert_shows("Wrong e-mail or password");
    form.assert_does_not_show("Invalid credentials");
}

#[tokio::test]
async fn an_empty_password_on_the_sign_in_page_is_asked_for_next_to_its_field() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "shopper").await;

    let refused = sign_in(&visitor, "/auth/signin", "/", &address, "").await;

    let form = visitor.follow_to(&refused, "/auth/signin").await;
    assert_eq!(
        text_of(&form.body, "password-error"),
        Some("Enter your password")
    );
    assert_eq!(input_value(&form.body, "email"), Some(address.as_str()));
}

#[tokio::test]
async fn an_address_in_use_offers_to_sign_in_instead_keeping_the_way_back() {
    let server = TestServer::spawn().await;
    let (address, visitor) = account_and_signed_out_browser(&server, "shopper").await;
    let fields = [
        ("next", "/tickets/new"),
        ("email", address.as_str()),
        ("password", PASSWORD),
    ];

    let refused = visitor
        .submit(
            "/auth/signup?next=%2Ftickets%2Fnew",
            "/auth/signup",
            &fields,
        )
        .await;

    let form = visitor.follow_to(&refused, "/auth/signup").await;
    assert_eq!(text_of(&form.body, "email-error"), Some("Email in use"));
    form.assert_shows("href=\"/auth/signin?next=/tickets/new\"");
    form.assert_shows("Sign in instead");
}

#[tokio::test]
async fn the_sign_up_link_on_the_sign_in_page_keeps_the_way_back_to_the_ticket() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    let ticket_page = "/tickets/0190a0b0-0000-7000-8000-000000000000";

    let sign_in_page = visitor
        .page(&format!("/auth/signin?next={ticket_page}"))
        .await;

    sign_in_page.assert_shows(&format!("href=\"/auth/signup?next={ticket_page}\""));
    let sign_up_page = visitor
        .page(&format!("/auth/signup?next={ticket_page}"))
        .await;
    assert_eq!(input_value(&sign_up_page.body, "next"), Some(ticket_page));
}
