//! The abuse limits where the shop meets a real deployment: clients behind a proxy, an account
//! under attack, and what each buyer or seller may do per hour. Every limit here runs at its
//! default unless the test says why not.

use axum::http::StatusCode;
use boxoffice_api::limits::LimitSettings;
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket, order_for, verified_buyer};
use boxoffice_tests::{ApiClient, TestApp};
use serde_json::json;

/// An ingress controller's pod network, trusted to say whom it forwards for.
const PROXY_NETWORK: &str = "10.0.0.0/8";
const PROXY: &str = "10.42.0.7";

/// A per-address limit for the tests about whose address counts: a limiter of N a minute lets one
/// more attempt through every 60/N s, and the default's 30 (one every 2 s) can refill while a
/// loaded machine hashes 30 passwords. Which client is charged is the point, not the number.
const SLOW_REFILL_AUTH_LIMIT: u32 = 6;

async fn sign_in(client: &mut ApiClient<'_>, email: &str, password: &str) -> StatusCode {
    client
        .post(
            "/api/users/signin",
            json!({"email": email, "password": password}),
        )
        .await
        .status
}

async fn signed_up_from<'a>(app: &'a TestApp, address: &str, email: &str) -> ApiClient<'a> {
    let mut owner = app.anonymous().from(address, None);
    let created = owner
        .post(
            "/api/users/signup",
            json!({"email": email, "password": "password123"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    owner
}

#[tokio::test]
async fn two_clients_behind_one_trusted_proxy_are_limited_apart() {
    let app = TestApp::spawn_with_limits(LimitSettings {
        trusted_proxies: vec![PROXY_NETWORK.parse().unwrap()],
        auth_per_address_per_minute: SLOW_REFILL_AUTH_LIMIT,
        ..LimitSettings::default()
    })
    .await;
    let per_address = SLOW_REFILL_AUTH_LIMIT;
    let mut busy = app.anonymous().from(PROXY, Some("203.0.113.1"));
    for i in 0..per_address {
        let email = format!("nobody-{i}@example.com");
        assert_eq!(
            sign_in(&mut busy, &email, "wrong-password").await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        sign_in(&mut busy, "nobody@example.com", "wrong-password").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    let mut neighbour = app.anonymous().from(PROXY, Some("203.0.113.2"));

    assert_eq!(
        sign_in(&mut neighbour, "nobody@example.com", "wrong-password").await,
        StatusCode::BAD_REQUEST,
        "the other client behind the same proxy is not limited"
    );
}

#[tokio::test]
async fn a_forwarded_for_header_from_an_untrusted_peer_changes_nothing() {
    let app = TestApp::spawn_with_limits(LimitSettings {
        auth_per_address_per_minute: SLOW_REFILL_AUTH_LIMIT,
        ..LimitSettings::default()
    })
    .await;
    let per_address = SLOW_REFILL_AUTH_LIMIT;
    for i in 0..per_address {
        // A new claimed address each time, from one real one.
        let claimed = format!("203.0.113.{i}");
        let mut spoofer = app.anonymous().from("198.51.100.9", Some(&claimed));
        let email = format!("nobody-{i}@example.com");
        assert_eq!(
            sign_in(&mut spoofer, &email, "wrong-password").await,
            StatusCode::BAD_REQUEST
        );
    }

    let mut spoofer = app.anonymous().from("198.51.100.9", Some("192.0.2.200"));

    assert_eq!(
        sign_in(&mut spoofer, "nobody@example.com", "wrong-password").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn an_attackers_failures_from_one_address_do_not_lock_the_owner_out_of_theirs() {
    let app = TestApp::spawn().await;
    signed_up_from(&app, "192.0.2.10", "ann@example.com").await;
    let mut attacker = app.anonymous().from("198.51.100.66", None);
    let per_account_and_address =
        LimitSettings::default().failed_sign_ins_per_account_and_address_per_minute;
    for _ in 0..per_account_and_address {
        assert_eq!(
            sign_in(&mut attacker, "ann@example.com", "guess-again").await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        sign_in(&mut attacker, "ann@example.com", "password123").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker is stopped, even with the right password"
    );

    let mut owner_elsewhere = app.anonymous().from("192.0.2.77", None);

    assert_eq!(
        sign_in(&mut owner_elsewhere, "ann@example.com", "password123").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn under_attack_from_many_addresses_the_owner_still_gets_in_from_where_they_signed_in_before()
{
    // Two addresses' worth of failures fill the account's ceiling: the default's 50 a minute
    // refills one every 1.2 s, sooner than a loaded machine hashes 50 passwords.
    let per_address = LimitSettings::default().failed_sign_ins_per_account_and_address_per_minute;
    let limits = LimitSettings {
        failed_sign_ins_per_account_per_minute: 2 * per_address,
        ..LimitSettings::default()
    };
    let addresses = limits.failed_sign_ins_per_account_per_minute / per_address;
    let app = TestApp::spawn_with_limits(limits).await;
    signed_up_from(&app, "192.0.2.10", "ann@example.com").await;
    for a in 0..addresses {
        let mut attacker = app.anonymous().from(&format!("198.51.100.{a}"), None);
        for _ in 0..per_address {
            assert_eq!(
                sign_in(&mut attacker, "ann@example.com", "guess-again").await,
                StatusCode::BAD_REQUEST
            );
        }
    }
    let mut new_address = app.anonymous().from("203.0.113.50", None);
    assert_eq!(
        sign_in(&mut new_address, "ann@example.com", "password123").await,
        StatusCode::TOO_MANY_REQUESTS,
        "from an address the account has never used, the account's ceiling holds"
    );

    let mut known_address = app.anonymous().from("192.0.2.10", None);

    assert_eq!(
        sign_in(&mut known_address, "ann@example.com", "password123").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn placing_orders_is_limited_per_buyer_whatever_came_of_them() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Popular", json!(20)).await;
    let mut shopper = buyer(&app).await;
    order_for(&mut shopper, &ticket).await;
    let per_hour = LimitSettings::default().orders_per_buyer_per_hour;
    // Orders refused (the ticket is held, for this very buyer) count as much as placed ones:
    // each could have started a saga.
    for _ in 1..per_hour {
        let refused = shopper
            .post("/api/orders", json!({"ticketId": ticket["id"]}))
            .await;
        assert_ne!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            refused.body
        );
    }

    let one_more = shopper
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;

    assert_eq!(one_more.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        one_more.error_messages()[0].starts_with("Too many orders placed"),
        "{}",
        one_more.body
    );
    assert!(one_more.retry_after.is_some());
}

#[tokio::test]
async fn a_place_then_cancel_loop_is_limited_per_buyer() {
    // Each round starts a workflow: three rounds stand for the default's thirty.
    let app = TestApp::spawn_with_limits(LimitSettings {
        cancels_per_buyer_per_hour: 3,
        ..LimitSettings::default()
    })
    .await;
    let (_, ticket) = listed_ticket(&app, "Flipped", json!(20)).await;
    let mut shopper = buyer(&app).await;
    for _ in 0..3 {
        let order = order_for(&mut shopper, &ticket).await;
        let path = format!("/api/orders/{}", id_of(&order));
        assert_eq!(shopper.delete(&path).await.status, StatusCode::NO_CONTENT);
    }
    let order = order_for(&mut shopper, &ticket).await;

    let refused = shopper
        .delete(&format!("/api/orders/{}", id_of(&order)))
        .await;

    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.error_messages()[0].starts_with("Too many orders cancelled"));
    let still = shopper.get(&format!("/api/orders/{}", id_of(&order))).await;
    assert_eq!(still.body["status"], "created");
}

#[tokio::test]
async fn editing_tickets_is_limited_per_seller() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Draft", json!(20)).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));
    let per_hour = LimitSettings::default().edits_per_seller_per_hour;
    for i in 0..per_hour {
        let edited = seller
            .put(&path, json!({"title": format!("Draft {i}"), "price": 20}))
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    }

    let one_more = seller
        .put(&path, json!({"title": "Final", "price": 20}))
        .await;

    assert_eq!(one_more.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(one_more.error_messages()[0].starts_with("Too many changes to your tickets"));
    let unchanged = app.anonymous().get(&path).await;
    assert_eq!(unchanged.body["title"], format!("Draft {}", per_hour - 1));
}

#[tokio::test]
async fn joining_waiting_lists_is_limited_per_buyer() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Queue", json!(20)).await;
    let mut holder = buyer(&app).await;
    order_for(&mut holder, &ticket).await;
    let mut shopper = verified_buyer(&app).await;
    let path = format!("/api/tickets/{}/waitlist", id_of(&ticket));
    let per_hour = LimitSettings::default().joins_per_buyer_per_hour;
    for _ in 0..per_hour {
        let joined = shopper.post(&path, json!({})).await;
        assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    }

    let one_more = shopper.post(&path, json!({})).await;

    assert_eq!(one_more.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(one_more.error_messages()[0].starts_with("Too many waiting lists joined"));
}
