//! The pages behind the links the shop e-mails: "verify your address" (a waiting list needs it;
//! asked for from the ticket's page or the account page) and "forgot your password?".

use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket, order_for};
use boxoffice_tests::mail::{link_path, outbox_text};
use boxoffice_tests::visitor::{Reply, Visitor, email, text_of};
use reqwest::StatusCode;
use serde_json::json;

const NEW_PASSWORD: &str = "a new password 2";

/// A browser signed up through the pages; its address.
async fn signed_up(server: &TestServer, role: &str) -> (Visitor, String) {
    let address = email(role);
    let visitor = Visitor::new(server);
    visitor.sign_up(&address).await;
    (visitor, address)
}

/// The path of the link in the newest message of `kind` to `address`, labelled `label`.
async fn mailed_link(server: &TestServer, address: &str, kind: &str, label: &str) -> String {
    let text = outbox_text(&server.app.state.db, address, kind).await;
    link_path(&text, label).to_owned()
}

/// Asks for a reset link for `address` through the form; the answer.
async fn forgot(visitor: &Visitor, address: &str) -> Reply {
    visitor
        .submit("/password-reset", "/password-reset", &[("email", address)])
        .await
}

/// Asks for a verification link with the account page's button; the answer.
async fn ask_for_a_link_on_the_account_page(visitor: &Visitor) -> Reply {
    visitor
        .submit("/account", "/verify", &[("next", "/account")])
        .await
}

#[tokio::test]
async fn the_sign_in_page_offers_a_way_to_reset_a_forgotten_password() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);

    let sign_in = visitor.page("/auth/signin").await;

    sign_in.assert_shows("href=\"/password-reset\"");
    sign_in.assert_shows("Forgot your password?");
    let form = visitor.page("/password-reset").await;
    form.assert_shows("action=\"/password-reset\"");
}

#[tokio::test]
async fn the_forgot_password_form_answers_the_same_whether_or_not_the_address_has_an_account() {
    let server = TestServer::spawn().await;
    let known = email("known");
    server.app.signed_up(&known).await;
    let visitor = Visitor::new(&server);

    let for_known = forgot(&visitor, &known).await;
    let known_page = visitor.follow_to(&for_known, "/auth/signin").await;
    let for_unknown = forgot(&visitor, &email("nobody")).await;
    let unknown_page = visitor.follow_to(&for_unknown, "/auth/signin").await;

    let notice = "If an account has that address, we have e-mailed it a link";
    known_page.assert_shows(notice);
    unknown_page.assert_shows(notice);
}

#[tokio::test]
async fn a_malformed_address_is_refused_next_to_its_field() {
    let server = TestServer::spawn().await;
    let visitor = Visitor::new(&server);

    let refused = forgot(&visitor, "not an address").await;

    let form = visitor.follow_to(&refused, "/password-reset").await;
    assert_eq!(
        text_of(&form.body, "email-error"),
        Some("Email must be valid")
    );
    form.assert_shows("id=\"error-summary\"");
}

#[tokio::test]
async fn a_reset_through_the_pages_signs_out_every_browser_and_the_new_password_signs_in() {
    let server = TestServer::spawn().await;
    let (signed_in_elsewhere, address) = signed_up(&server, "forgetful").await;
    let visitor = Visitor::new(&server);
    forgot(&visitor, &address).await;
    let link = mailed_link(&server, &address, "password_reset", "Choose a new password").await;
    let form = visitor.page(&link).await;
    form.assert_shows("Choose a new password");
    let token = link.rsplit('=').next().expect("a token");

    let too_short = visitor
        .submit(
            &link,
            "/password-reset/confirm",
            &[("token", token), ("password", "short")],
        )
        .await;
    let again = visitor.follow(&too_short).await;
    assert_eq!(
        text_of(&again.body, "password-error"),
        Some("Password must be between 8 and 128 characters")
    );
    again.assert_shows("id=\"error-summary\"");
    let changed = visitor
        .submit(
            &link,
            "/password-reset/confirm",
            &[("token", token), ("password", NEW_PASSWORD)],
        )
        .await;

    let sign_in = visitor.follow_to(&changed, "/auth/signin").await;
    sign_in.assert_shows("Your password is changed");
    let orders = signed_in_elsewhere.get("/orders").await;
    assert_eq!(
        orders.status,
        StatusCode::SEE_OTHER,
        "still signed in elsewhere"
    );
    let with_new = visitor
        .submit(
            "/auth/signin",
            "/auth/signin",
            &[("email", &address), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(with_new.location(), "/");
    let used = visitor.get(&link).await;
    assert_eq!(used.status, StatusCode::BAD_REQUEST);
    used.assert_shows("This link was used already");
}

#[tokio::test]
async fn a_dead_reset_link_says_so_and_offers_to_ask_again() {
    let server = TestServer::spawn().await;

    let dead = Visitor::new(&server)
        .get("/password-reset/confirm?token=nope")
        .await;

    assert_eq!(dead.status, StatusCode::BAD_REQUEST);
    dead.assert_shows("This link is not valid");
    dead.assert_shows("href=\"/password-reset\"");
}

#[tokio::test]
async fn an_unverified_shopper_verifies_from_the_ticket_page_and_can_then_join() {
    let server = TestServer::spawn().await;
    let (_seller, ticket) = listed_ticket(&server.app, "Held gig", json!(30)).await;
    let mut winner = buyer(&server.app).await;
    order_for(&mut winner, &ticket).await;
    let (visitor, address) = signed_up(&server, "late").await;
    let ticket_page = format!("/tickets/{}", id_of(&ticket));
    let before = visitor.page(&ticket_page).await;
    before.assert_shows("Verify your e-mail to join");
    before.assert_does_not_show("Join the waiting list");

    let asked = visitor
        .submit(&ticket_page, "/verify", &[("next", &ticket_page)])
        .await;

    let back = visitor.follow_to(&asked, &ticket_page).await;
    back.assert_shows(&format!("We have e-mailed a link to {address}"));
    let link = mailed_link(&server, &address, "verify", "Verify my address").await;
    let verified = Visitor::new(&server).page(&link).await;
    verified.assert_shows("Your e-mail address is verified");
    let after = visitor.page(&ticket_page).await;
    after.assert_shows("Join the waiting list");
    after.assert_does_not_show("Verify your e-mail to join");
}

#[tokio::test]
async fn the_account_page_says_whether_the_address_is_verified_and_sends_the_link() {
    let server = TestServer::spawn().await;
    let (visitor, address) = signed_up(&server, "account").await;
    let unverified = visitor.page("/account").await;
    unverified.assert_shows(&address);
    unverified.assert_shows("not verified yet");

    let asked = ask_for_a_link_on_the_account_page(&visitor).await;

    visitor
        .follow_to(&asked, "/account")
        .await
        .assert_shows("We have e-mailed a link");
    let link = mailed_link(&server, &address, "verify", "Verify my address").await;
    Visitor::new(&server).page(&link).await;
    let verified = visitor.page("/account").await;
    verified.assert_shows("Your e-mail address is verified.");
    verified.assert_does_not_show("Send me the link");
}

#[tokio::test]
async fn the_account_page_needs_a_session() {
    let server = TestServer::spawn().await;

    let reply = Visitor::new(&server).get("/account").await;

    reply.assert_redirects_to("/auth/signin?next=%2Faccount");
}

#[tokio::test]
async fn a_second_link_asked_for_within_a_minute_is_refused_on_the_page() {
    let server = TestServer::spawn().await;
    let (visitor, _) = signed_up(&server, "eager").await;
    ask_for_a_link_on_the_account_page(&visitor).await;

    let again = ask_for_a_link_on_the_account_page(&visitor).await;

    visitor
        .follow_to(&again, "/account")
        .await
        .assert_shows("A link was sent to you a moment ago");
}
