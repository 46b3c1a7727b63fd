use axum::body::Body;
use axum::http::{Request, StatusCode};
use boxoffice_tests::{ApiResponse, TestApp};

fn post(path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post(path);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.body(body.into()).unwrap()
}

/// Posts `body` to sign-up as JSON.
async fn sign_up_with(app: &TestApp, body: impl Into<Body>) -> ApiResponse {
    app.send(post("/api/users/signup", Some("application/json"), body))
        .await
}

#[tokio::test]
async fn malformed_json_is_400_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    let response = sign_up_with(&app, "{\"email\": ").await;
    response.assert_error(StatusCode::BAD_REQUEST, ["Malformed JSON body"]);
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_400() {
    let app = TestApp::spawn().await;
    let response = sign_up_with(&app, "[1, 2]").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.error_messages()[0].starts_with("Invalid JSON body"));
}

#[tokio::test]
async fn fields_of_the_wrong_type_are_field_errors() {
    let app = TestApp::spawn().await;
    let response = sign_up_with(&app, r#"{"email": 42, "password": ["x"]}"#).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["email", "password"]);
}

#[tokio::test]
async fn an_oversized_body_is_413_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    let huge = format!(
        r#"{{"email": "{}", "password": "password123"}}"#,
        "a".repeat(200_000)
    );
    let response = sign_up_with(&app, huge).await;
    response.assert_error(StatusCode::PAYLOAD_TOO_LARGE, ["Request body is too large"]);
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_415_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    let response = app
        .send(post("/api/users/signup", None, r#"{"email": "a@b.co"}"#))
        .await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(response.error_messages()[0].contains("application/json"));
}

#[tokio::test]
async fn an_unknown_route_is_404_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/api/nothing-here").await;
    response.assert_error(StatusCode::NOT_FOUND, ["No such route"]);
}

#[tokio::test]
async fn a_wrong_method_is_405_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().delete("/api/tickets").await;
    response.assert_error(StatusCode::METHOD_NOT_ALLOWED, ["Method not allowed"]);
}

#[tokio::test]
async fn a_nul_or_a_right_to_left_override_in_a_title_is_a_field_error() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;

    for title in ["Gig\u{0}night", "Free \u{202E}3$ teg"] {
        let listed = seller
            .post(
                "/api/tickets",
                serde_json::json!({"title": title, "price": 20}),
            )
            .await;

        assert_eq!(listed.status, StatusCode::BAD_REQUEST, "{}", listed.body);
        assert_eq!(listed.error_fields(), ["title"], "{title:?}");
        assert_eq!(
            listed.error_messages(),
            ["Title must not contain control or text-direction characters"]
        );
    }
}

#[tokio::test]
async fn a_nul_in_an_email_is_a_field_error_not_a_500() {
    let app = TestApp::spawn().await;

    let response = app
        .anonymous()
        .post(
            "/api/users/signin",
            serde_json::json!({"email": "ann\u{0}@example.com", "password": "password123"}),
        )
        .await;

    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    assert_eq!(response.error_fields(), ["email"]);
}
