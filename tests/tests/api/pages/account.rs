//! Accounts: one session for the pages and the JSON API; signing in and coming back.

use boxoffice_tests::TestServer;
use boxoffice_tests::visitor::{PASSWORD, Visitor, email, input_value};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn signing_up_through_the_page_signs_in_the_json_api_too() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);
    let address = email("shopper");

    let home = visitor.sign_up(&address).await;

    assert!(home.body.contains(&address), "{}", home.body);
    let me = visitor.get_json("/api/users/currentuser").await;
    assert_eq!(me["currentUser"]["email"], address.as_str());
}

#[tokio::test]
async fn signing_in_through_the_json_api_signs_in_the_pages_too() {
    let server = TestServer::spawn().await;
    let address = email("shopper");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
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
    assert!(
        home.body
            .contains(&format!("Signed in as <strong>{address}</strong>")),
        "{}",
        home.body
    );
}

// Signing in and coming back.

#[tokio::test]
async fn selling_while_signed_out_redirects_to_sign_in_with_the_way_back() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/tickets/new").await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/auth/signin?next=%2Ftickets%2Fnew");
}

#[tokio::test]
async fn signing_in_through_the_form_with_next_lands_on_that_page() {
    let server = TestServer::spawn().await;
    let address = email("seller");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let to_sign_in = visitor.get("/tickets/new").await;
    let sign_in_page = to_sign_in.location().to_owned();
    let form = visitor.page(&sign_in_page).await;
    assert_eq!(input_value(&form.body, "next"), Some("/tickets/new"));

    let reply = visitor
        .submit(
            &sign_in_page,
            "/auth/signin",
            &[
                ("next", "/tickets/new"),
                ("email", address.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/tickets/new");
    let sell = visitor.follow(&reply).await;
    assert!(sell.body.contains("Sell a ticket"), "{}", sell.body);
    assert!(sell.body.contains(&address));
}

#[tokio::test]
async fn an_off_site_next_is_ignored_after_signing_in() {
    let server = TestServer::spawn().await;
    let address = email("shopper");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let form = visitor.page("/auth/signin?next=//evil.example").await;
    assert_eq!(input_value(&form.body, "next"), None);

    let reply = visitor
        .submit(
            "/auth/signin",
            "/auth/signin",
            &[
                ("next", "//evil.example"),
                ("email", address.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/");
}

#[tokio::test]
async fn a_next_that_a_browser_would_read_as_another_site_is_ignored_after_signing_in() {
    let server = TestServer::spawn().await;
    let address = email("shopper");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let base = url::Url::parse(&server.base_url).expect("the base URL");

    // Browsers drop tabs and newlines from a URL, and read a backslash as a slash.
    for next in [
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
    ] {
        let reply = visitor
            .submit(
                "/auth/signin",
                "/auth/signin",
                &[
                    ("next", next),
                    ("email", address.as_str()),
                    ("password", PASSWORD),
                ],
            )
            .await;

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
    let address = email("seller");
    server.app.signed_up(&address).await;
    let visitor = Visitor::new(&server);
    let sign_in_page = "/auth/signin?next=%2Ftickets%2Fnew";

    let refused = visitor
        .submit(
            sign_in_page,
            "/auth/signin",
            &[
                ("next", "/tickets/new"),
                ("email", address.as_str()),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(refused.location(), "/auth/signin");
    let form = visitor.follow(&refused).await;
    assert!(form.body.contains("role=\"alert\""), "{}", form.body);
    assert_eq!(input_value(&form.body, "email"), Some(address.as_str()));
    assert_eq!(input_value(&form.body, "next"), Some("/tickets/new"));
    let next = input_value(&form.body, "next").expect("next").to_owned();
    let signed_in = visitor
        .submit(
            "/auth/signin",
            "/auth/signin",
            &[
                ("next", next.as_str()),
                ("email", address.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(signed_in.location(), "/tickets/new");
}
