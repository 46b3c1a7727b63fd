//! The abuse limits, sessions that end, and the security headers.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket, order_for, ordered_ticket, pay};
use serde_json::json;

#[tokio::test]
async fn the_fifth_hold_of_one_buyer_is_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let (mut seller, _) = listed_ticket(&app, "Ticket 0", json!(10)).await;
    let mut tickets = Vec::new();
    for n in 1..=5 {
        let response = seller
            .post(
                "/api/tickets",
                json!({"title": format!("Ticket {n}"), "price": 10}),
            )
            .await;
        tickets.push(response.body);
    }
    let mut buyer = buyer(&app).await;
    for ticket in &tickets[..4] {
        order_for(&mut buyer, ticket).await;
    }

    let fifth = buyer
        .post("/api/orders", json!({"ticketId": tickets[4]["id"]}))
        .await;

    assert_eq!(
        fifth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        fifth.body
    );
    assert_eq!(
        fifth.error_messages(),
        ["You already hold 4 tickets; pay for or cancel one of them first"]
    );
    assert!(fifth.retry_after.is_some());
    // Another buyer is not held back by it.
    let mut other = boxoffice_tests::fixtures::buyer(&app).await;
    order_for(&mut other, &tickets[4]).await;
}

#[tokio::test]
async fn the_sixth_payment_attempt_on_an_order_is_429() {
    let app = TestApp::spawn().await;
    let (mut buyer, _, order) = ordered_ticket(&app, "Gig", json!(25)).await;
    for _ in 0..5 {
        let declined = pay(&mut buyer, &order, "tok_chargeDeclined").await;
        assert_eq!(
            declined.status,
            StatusCode::PAYMENT_REQUIRED,
            "{}",
            declined.body
        );
    }

    let sixth = pay(&mut buyer, &order, "tok_visa").await;

    assert_eq!(
        sixth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        sixth.body
    );
    assert_eq!(
        sixth.error_messages(),
        ["Too many payment attempts for this order"]
    );
    assert!(sixth.retry_after.is_some());
    let order_now = buyer.get(&format!("/api/orders/{}", id_of(&order))).await;
    assert_eq!(order_now.body["status"], "created");
}

#[tokio::test]
async fn the_sixth_sign_in_for_one_account_within_a_minute_is_429() {
    let app = TestApp::spawn().await;
    app.signed_up("ann@example.com").await;
    let mut stranger = app.anonymous();
    for _ in 0..5 {
        let wrong = stranger.sign_in("ann@example.com", "guess-again").await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    }

    let sixth = stranger.sign_in("Ann@example.com", "password123").await;

    assert_eq!(
        sixth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        sixth.body
    );
    let retry_after: u64 = sixth.retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=61).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn a_copied_session_cookie_stops_working_after_sign_out() {
    let app = TestApp::spawn().await;
    let mut ann = app.signed_up("ann@example.com").await;
    let copied = ann.session_cookie().unwrap().to_owned();

    let signed_out = ann.post("/api/users/signout", json!({})).await;
    assert_eq!(signed_out.status, StatusCode::OK);

    let request = Request::get("/api/users/currentuser")
        .header(header::COOKIE, copied.clone())
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.body, json!({"currentUser": null}));
    let request = Request::post("/api/tickets")
        .header(header::COOKIE, copied)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"title": "Gig", "price": 10}).to_string()))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account() {
    let app = TestApp::spawn().await;
    let mut phone = app.signed_up("ann@example.com").await;
    let mut laptop = app.anonymous();
    let signed_in = laptop.sign_in("ann@example.com", "password123").await;
    assert_eq!(signed_in.status, StatusCode::OK);

    let ended = phone.post("/api/users/signout/everywhere", json!({})).await;
    assert_eq!(ended.status, StatusCode::OK);

    let laptop_now = laptop.get("/api/users/currentuser").await;
    assert_eq!(laptop_now.body, json!({"currentUser": null}));
}

#[tokio::test]
async fn signing_out_from_another_site_is_refused() {
    let app = TestApp::spawn().await;
    let ann = app.signed_up("ann@example.com").await;
    let request = Request::post("/api/users/signout")
        .header(header::COOKIE, ann.session_cookie().unwrap())
        .header(header::HOST, "shop.example")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();

    let response = app.send(request).await;

    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let mut ann = ann;
    let still = ann.get("/api/users/currentuser").await;
    assert_eq!(still.body["currentUser"]["email"], "ann@example.com");
}

#[tokio::test]
async fn pages_and_api_responses_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/api/tickets"] {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = app.router_response(request).await;
        let headers = response.headers();
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(policy.contains("default-src 'self'"), "{path}: {policy}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert!(headers.contains_key(header::REFERRER_POLICY), "{path}");
        assert!(
            !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "{path}"
        );
    }
}

#[tokio::test]
async fn over_https_responses_ask_for_https_only_and_signed_in_ones_are_not_stored() {
    let app = TestApp::spawn().await;
    let ann = app.signed_up("ann@example.com").await;
    let request = Request::get("/orders")
        .header(header::COOKIE, ann.session_cookie().unwrap())
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();

    let response = app.router_response(request).await;

    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert!(
        headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
}
