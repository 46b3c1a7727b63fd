//! Password reset by e-mail: a link that works once, for an hour; the same answer whether or not
//! the address has an account; every session of the account ends when the password changes.

use axum::http::StatusCode;
use boxoffice_activities::entities::outbox;
use boxoffice_tests::fixtures::expire_links;
use boxoffice_tests::mail::{link_path, outbox_text, shared_maildev, wait_for_message};
use boxoffice_tests::visitor::email;
use boxoffice_tests::{ApiClient, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

const NEW_PASSWORD: &str = "a new password 2";

async fn ask_for_a_reset(
    client: &mut ApiClient<'_>,
    address: &str,
) -> boxoffice_tests::ApiResponse {
    client
        .post("/api/users/password-reset", json!({"email": address}))
        .await
}

/// The token of the reset link the shop wrote to `address` (read from its outbox).
async fn reset_token(app: &TestApp, address: &str) -> String {
    let text = outbox_text(&app.state.db, address, "password_reset").await;
    token_in(&text)
}

/// A shopper signed up as `email(name)` asks for a reset: their address and the token mailed.
async fn a_reset_link(app: &TestApp, name: &str) -> (String, String) {
    let address = email(name);
    app.signed_up(&address).await;
    ask_for_a_reset(&mut app.anonymous(), &address).await;
    let token = reset_token(app, &address).await;
    (address, token)
}

fn token_in(text: &str) -> String {
    let path = link_path(text, "Choose a new password");
    path.strip_prefix("/password-reset/confirm?token=")
        .unwrap_or_else(|| panic!("not a reset link: {path}"))
        .to_owned()
}

async fn confirm(
    client: &mut ApiClient<'_>,
    token: &str,
    password: &str,
) -> boxoffice_tests::ApiResponse {
    client
        .post(
            "/api/users/password-reset/confirm",
            json!({"token": token, "password": password}),
        )
        .await
}

#[tokio::test]
async fn asking_answers_the_same_for_an_unknown_address_and_mails_it_nothing() {
    let app = TestApp::spawn().await;
    let known = email("known");
    app.signed_up(&known).await;
    let unknown = email("unknown");

    let for_known = ask_for_a_reset(&mut app.anonymous(), &known).await;
    let for_unknown = ask_for_a_reset(&mut app.anonymous(), &unknown).await;

    assert_eq!(for_known.status, StatusCode::ACCEPTED, "{}", for_known.body);
    assert_eq!(
        (for_unknown.status, &for_unknown.body),
        (for_known.status, &for_known.body)
    );
    let to_unknown = outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(unknown.as_str()))
        .count(&app.state.db)
        .await
        .expect("count messages");
    assert_eq!(to_unknown, 0);
    reset_token(&app, &known).await;
}

#[tokio::test]
async fn the_mailed_link_sets_a_new_password_and_ends_every_session() {
    let app = TestApp::spawn().await;
    app.send_mail_to_maildev();
    let address = email("forgetful");
    let mut old_session = app.signed_up(&address).await;
    let mut signed_in_elsewhere = app.anonymous();
    signed_in_elsewhere.sign_in(&address, "password123").await;
    ask_for_a_reset(&mut app.anonymous(), &address).await;
    let mails = wait_for_message(&shared_maildev().1, &address, "Reset your password").await;
    assert_eq!(mails.len(), 1);
    let token = token_in(mails[0]["text"].as_str().unwrap_or_default());

    let reset = confirm(&mut app.anonymous(), &token, NEW_PASSWORD).await;

    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    for session in [&mut old_session, &mut signed_in_elsewhere] {
        let me = session.get("/api/users/currentuser").await;
        assert_eq!(me.body, json!({"currentUser": null}));
        assert_eq!(
            session.get("/api/orders").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let with_old = app.anonymous().sign_in(&address, "password123").await;
    with_old.assert_error(StatusCode::BAD_REQUEST, ["Invalid credentials"]);
    let with_new = app.anonymous().sign_in(&address, NEW_PASSWORD).await;
    assert_eq!(with_new.status, StatusCode::OK, "{}", with_new.body);
}

#[tokio::test]
async fn a_link_resets_once() {
    let app = TestApp::spawn().await;
    let (address, token) = a_reset_link(&app, "twice").await;
    confirm(&mut app.anonymous(), &token, NEW_PASSWORD).await;

    let again = confirm(&mut app.anonymous(), &token, "yet another one").await;

    again.assert_error(StatusCode::BAD_REQUEST, ["This link was used already"]);
    assert_eq!(again.error_fields(), ["token"]);
    let with_second = app.anonymous().sign_in(&address, "yet another one").await;
    assert_eq!(with_second.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let app = TestApp::spawn().await;
    let (address, token) = a_reset_link(&app, "late").await;
    expire_links(&app, &address).await;

    let reset = confirm(&mut app.anonymous(), &token, NEW_PASSWORD).await;

    reset.assert_error(StatusCode::BAD_REQUEST, ["This link has expired"]);
    let with_old = app.anonymous().sign_in(&address, "password123").await;
    assert_eq!(with_old.status, StatusCode::OK, "{}", with_old.body);
}

#[tokio::test]
async fn a_new_password_follows_the_sign_up_rules_and_the_link_still_works_after() {
    let app = TestApp::spawn().await;
    let (_, token) = a_reset_link(&app, "short").await;

    let short = confirm(&mut app.anonymous(), &token, "short").await;

    short.assert_error(
        StatusCode::BAD_REQUEST,
        ["Password must be between 8 and 128 characters"],
    );
    assert_eq!(short.error_fields(), ["password"]);
    let fixed = confirm(&mut app.anonymous(), &token, NEW_PASSWORD).await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.body);
}

#[tokio::test]
async fn a_reset_without_a_token_or_an_email_names_the_field() {
    let app = TestApp::spawn().await;

    let no_token = app
        .anonymous()
        .post(
            "/api/users/password-reset/confirm",
            json!({"password": NEW_PASSWORD}),
        )
        .await;
    let no_email = app
        .anonymous()
        .post("/api/users/password-reset", json!({}))
        .await;

    no_token.assert_error(StatusCode::BAD_REQUEST, ["Token is required"]);
    assert_eq!(no_token.error_fields(), ["token"]);
    assert_eq!(no_email.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_email.error_fields(), ["email"]);
}
