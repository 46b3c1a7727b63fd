//! `/api/openapi.json` documents exactly the contract's routes, and every documented route is served.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use boxoffice_tests::TestApp;

/// The contract (shared/api-contract.md), method and path.
const CONTRACT: [&str; 26] = [
    "DELETE /api/orders/{id}",
    "DELETE /api/tickets/{id}",
    "DELETE /api/tickets/{id}/waitlist",
    "GET /api/orders",
    "GET /api/orders/{id}",
    "GET /api/tickets",
    "GET /api/tickets/{id}",
    "GET /api/tickets/{id}/waitlist",
    "GET /api/users/currentuser",
    "GET /api/users/me/tickets",
    "GET /api/users/me/tickets/totals",
    "GET /healthz",
    "GET /readyz",
    "POST /api/orders",
    "POST /api/payments",
    "POST /api/tickets",
    "POST /api/tickets/{id}/waitlist",
    "POST /api/users/password-reset",
    "POST /api/users/password-reset/confirm",
    "POST /api/users/signin",
    "POST /api/users/signout",
    "POST /api/users/signout/everywhere",
    "POST /api/users/signup",
    "POST /api/users/verify",
    "POST /api/webhooks/stripe",
    "PUT /api/tickets/{id}",
];

async fn documented_routes(app: &TestApp) -> Vec<String> {
    let spec = app.anonymous().get("/api/openapi.json").await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.body["openapi"].as_str().unwrap().starts_with("3."));
    let mut routes: Vec<String> = spec.body["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| ["get", "post", "put", "delete", "patch"].contains(&key.as_str()))
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    routes.sort();
    routes
}

#[tokio::test]
async fn the_spec_documents_exactly_the_contracts_routes() {
    let app = TestApp::spawn().await;
    assert_eq!(documented_routes(&app).await, CONTRACT);
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn().await;
    for route in documented_routes(&app).await {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        let request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&path)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();

        let response = app.send(request).await;

        assert_ne!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{route}");
        if response.status == StatusCode::NOT_FOUND {
            assert_ne!(response.error_messages(), ["No such route"], "{route}");
        }
    }
}
