//! The same gateway over a real TCP socket, with a cookie-keeping HTTP client.

use boxoffice_tests::TestServer;
use boxoffice_tests::visitor::Visitor;
use serde_json::json;

#[tokio::test]
async fn a_seller_signs_up_and_lists_a_ticket_over_http() {
    let server = TestServer::spawn().await;
    let client = Visitor::new(&server);

    let signup = client
        .post_json(
            "/api/users/signup",
            json!({"email": "seller@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(signup.status, 201);

    let me = client.get_json("/api/users/currentuser").await;
    assert_eq!(me["currentUser"]["email"], "seller@example.com");

    let created = client
        .post_json("/api/tickets", json!({"title": "Opera", "price": 75}))
        .await;
    assert_eq!(created.status, 201);

    let listed = client.get_json("/api/tickets").await;
    assert_eq!(listed[0]["title"], "Opera");
    assert_eq!(listed[0]["price"], json!(75));
}

#[tokio::test]
async fn errors_over_http_are_json_with_a_json_content_type() {
    let server = TestServer::spawn().await;
    let response = Visitor::new(&server)
        .post_json("/api/tickets", json!({"title": "Opera", "price": 75}))
        .await;
    assert_eq!(response.status, 401);
    assert_eq!(response.content_type(), "application/json");
    assert_eq!(
        response.json(),
        json!({"errors": [{"message": "Not authorized"}]})
    );
}
