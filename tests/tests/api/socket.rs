//! The same gateway over a real TCP socket, with a cookie-keeping HTTP client.

use boxoffice_tests::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn a_seller_signs_up_and_lists_a_ticket_over_http() {
    let server = TestServer::spawn().await;
    let client = TestServer::http_client();
    let url = |path: &str| format!("{}{path}", server.base_url);

    let signup = client
        .post(url("/api/users/signup"))
        .json(&json!({"email": "seller@example.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);

    let me: Value = client
        .get(url("/api/users/currentuser"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["currentUser"]["email"], "seller@example.com");

    let created = client
        .post(url("/api/tickets"))
        .json(&json!({"title": "Opera", "price": 75}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let listed: Value = client
        .get(url("/api/tickets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["title"], "Opera");
    assert_eq!(listed[0]["price"], json!(75));
}

#[tokio::test]
async fn errors_over_http_are_json_with_a_json_content_type() {
    let server = TestServer::spawn().await;
    let response = TestServer::http_client()
        .post(format!("{}/api/tickets", server.base_url))
        .json(&json!({"title": "Opera", "price": 75}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"errors": [{"message": "Not authorized"}]}));
}
