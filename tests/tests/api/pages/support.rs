//! The support desk's page: staff search a customer's orders and refund a paid one with a reason;
//! to everyone else `/support` is the site's 404.

use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::{email_of, ordered_ticket, pay_with_a_good_card};
use boxoffice_tests::visitor::{Visitor, email};
use reqwest::StatusCode;
use serde_json::json;

/// A browser signed up through the pages and made staff, as `boxoffice staff grant` does.
async fn staff_visitor(server: &TestServer) -> Visitor {
    let address = email("staff");
    let visitor = Visitor::new(server);
    visitor.sign_up(&address).await;
    boxoffice_activities::store::users::set_staff(&server.app.state.db, &address, true)
        .await
        .expect("grant staff")
        .expect("the account exists");
    visitor
}

#[tokio::test]
async fn the_support_page_is_not_there_for_a_customer() {
    let server = TestServer::spawn().await;
    let customer = Visitor::signed_up(&server, "buyer").await;

    let page = customer.get("/support").await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.status, customer.get("/no-such-page").await.status);
}

#[tokio::test]
async fn the_support_page_is_not_there_for_a_visitor() {
    let server = TestServer::spawn().await;

    let page = Visitor::new(&server).get("/support").await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_refund_a_paid_order_found_by_the_customers_email() {
    let server = TestServer::spawn().await;
    let (mut customer, _, order) = ordered_ticket(&server.app, "Concert", json!(25)).await;
    pay_with_a_good_card(&mut customer, &order).await;
    let address = email_of(&customer).await;
    let order_id = order["id"].as_str().unwrap();
    let staff = staff_visitor(&server).await;

    let found = staff.page(&format!("/support?email={address}")).await;
    found.assert_shows(order_id);
    found.assert_shows("Paid");
    found.assert_shows(&format!("/workflows/order-{order_id}"));
    let reply = staff
        .submit(
            &format!("/support?email={address}"),
            &format!("/support/orders/{order_id}/refund"),
            &[("reason", "Customer cannot attend")],
        )
        .await;
    let after = staff
        .follow_to(&reply, &format!("/support?orderId={order_id}"))
        .await;

    after.assert_shows(&format!("Order {order_id} is refunded"));
    after.assert_shows("Refunded");
    after.assert_shows("Customer cannot attend");
    after.assert_shows(&format!("/workflows/refund-{order_id}"));
    after.assert_does_not_show("Reason for the refund");
    assert_eq!(server.app.stripe.emulator.refunds().len(), 1);
}

#[tokio::test]
async fn a_refund_without_a_reason_is_refused_on_the_page() {
    let server = TestServer::spawn().await;
    let (mut customer, _, order) = ordered_ticket(&server.app, "Concert", json!(25)).await;
    pay_with_a_good_card(&mut customer, &order).await;
    let order_id = order["id"].as_str().unwrap();
    let staff = staff_visitor(&server).await;

    let reply = staff
        .submit(
            &format!("/support?orderId={order_id}"),
            &format!("/support/orders/{order_id}/refund"),
            &[("reason", "  ")],
        )
        .await;
    let after = staff
        .follow_to(&reply, &format!("/support?orderId={order_id}"))
        .await;

    after.assert_shows("A reason is required");
    after.assert_shows("Paid");
    assert!(server.app.stripe.emulator.refunds().is_empty());
}

#[tokio::test]
async fn a_search_with_no_term_says_what_it_needs() {
    let server = TestServer::spawn().await;
    let staff = staff_visitor(&server).await;

    let page = staff.page("/support?email=&orderId=&ticketId=").await;

    page.assert_shows("Search by exactly one of email, orderId or ticketId");
}

#[tokio::test]
async fn a_refund_posted_by_a_customer_finds_no_such_page() {
    let server = TestServer::spawn().await;
    let (mut customer, _, order) = ordered_ticket(&server.app, "Concert", json!(25)).await;
    pay_with_a_good_card(&mut customer, &order).await;
    let order_id = order["id"].as_str().unwrap();
    let visitor = Visitor::signed_up(&server, "buyer").await;

    let without_token = visitor
        .post(
            &format!("/support/orders/{order_id}/refund"),
            &[("reason", "mine")],
        )
        .await;
    let with_token = visitor
        .submit(
            "/orders",
            &format!("/support/orders/{order_id}/refund"),
            &[("reason", "mine")],
        )
        .await;

    assert_eq!(without_token.status, StatusCode::NOT_FOUND);
    assert_eq!(with_token.status, StatusCode::NOT_FOUND);
    assert!(server.app.stripe.emulator.refunds().is_empty());
}
