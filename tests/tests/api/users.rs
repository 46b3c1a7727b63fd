use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn signup_returns_201_with_the_user_and_a_session_cookie() {
    let app = TestApp::spawn().await;
    let mut client = app.anonymous();

    let response = client.sign_up("ann@example.com", "password123").await;

    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.body["email"], "ann@example.com");
    assert!(response.body["id"].is_string());
    let cookie = response.set_cookie.expect("session cookie");
    assert!(cookie.starts_with("session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP must not get a Secure cookie"
    );
}

#[tokio::test]
async fn signup_rejects_an_invalid_email() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().sign_up("not-an-email", "password123").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["email"]);
}

#[tokio::test]
async fn signup_rejects_passwords_shorter_than_8_or_longer_than_128() {
    let app = TestApp::spawn().await;
    for password in ["short".to_owned(), "x".repeat(129)] {
        let response = app.anonymous().sign_up("ann@example.com", &password).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.error_fields(), ["password"]);
    }
}

#[tokio::test]
async fn signup_with_missing_fields_lists_every_missing_field() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().post("/api/users/signup", json!({})).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["email", "password"]);
}

#[tokio::test]
async fn signup_with_an_email_in_use_is_rejected_case_insensitively() {
    let app = TestApp::spawn().await;
    app.signed_up("ann@example.com").await;

    let response = app
        .anonymous()
        .sign_up("ANN@Example.com", "password123")
        .await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Email in use"]);
}

#[tokio::test]
async fn signin_with_the_right_password_returns_the_user_and_a_session() {
    let app = TestApp::spawn().await;
    app.signed_up("ann@example.com").await;
    let mut client = app.anonymous();

    let response = client.sign_in("Ann@example.com", "password123").await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["email"], "ann@example.com");
    let me = client.get("/api/users/currentuser").await;
    assert_eq!(me.body["currentUser"]["email"], "ann@example.com");
}

#[tokio::test]
async fn signin_gives_the_same_answer_for_a_wrong_password_and_an_unknown_email() {
    let app = TestApp::spawn().await;
    app.signed_up("ann@example.com").await;

    let wrong_password = app
        .anonymous()
        .sign_in("ann@example.com", "wrong-password")
        .await;
    let unknown_email = app
        .anonymous()
        .sign_in("bob@example.com", "password123")
        .await;

    for response in [&wrong_password, &unknown_email] {
        response.assert_error(StatusCode::BAD_REQUEST, ["Invalid credentials"]);
        assert!(response.set_cookie.is_none());
    }
}

#[tokio::test]
async fn signout_clears_the_session() {
    let app = TestApp::spawn().await;
    let mut client = app.signed_up("ann@example.com").await;

    let response = client.post("/api/users/signout", json!({})).await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({}));
    assert!(
        response
            .set_cookie
            .expect("clearing cookie")
            .contains("Max-Age=0")
    );
    let me = client.get("/api/users/currentuser").await;
    assert_eq!(me.body, json!({"currentUser": null}));
}

#[tokio::test]
async fn currentuser_is_null_without_a_session() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/api/users/currentuser").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({"currentUser": null}));
}

#[tokio::test]
async fn currentuser_returns_the_signed_in_user() {
    let app = TestApp::spawn().await;
    let mut client = app.signed_up("ann@example.com").await;
    let response = client.get("/api/users/currentuser").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["currentUser"]["email"], "ann@example.com");
    assert!(response.body["currentUser"]["id"].is_string());
}

#[tokio::test]
async fn a_forged_session_cookie_is_nobody() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::get("/api/users/currentuser")
        .header(
            "cookie",
            "session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged",
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.body, json!({"currentUser": null}));
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_an_https_proxy() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::post("/api/users/signup")
        .header("content-type", "application/json")
        .header("x-forwarded-proto", "https")
        .body(axum::body::Body::from(
            json!({"email": "ann@example.com", "password": "password123"}).to_string(),
        ))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert!(response.set_cookie.unwrap().contains("Secure"));
}
