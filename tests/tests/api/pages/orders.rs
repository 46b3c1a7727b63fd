//! Buying, paying and cancelling through the pages; the assets they load.

use boxoffice_api::backpressure::TemporalGate;
use boxoffice_tests::TestServer;
use boxoffice_tests::visitor::{Reply, Visitor, decode_entities, links_to, text_of};
use reqwest::StatusCode;
use reqwest::header;
use serde_json::Value;

use super::visitor_with_a_held_order;

#[tokio::test]
async fn buying_through_the_ticket_page_holds_the_ticket_and_shows_the_order() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = visitor.page(&format!("/orders/{order_id}")).await;

    assert_still_held(&visitor, &page, &order_id).await;
    assert!(page.body.contains("The ticket is held for you."));
    assert!(page.body.contains("Pay $25.00"));
}

#[tokio::test]
async fn buying_while_the_shop_is_busy_says_so_on_the_ticket_page_and_holds_nothing() {
    let server = TestServer::spawn_customised(120, |state| {
        state.purchases.temporal_gate = TemporalGate::new(
            0,
            std::time::Duration::from_millis(50),
            std::time::Duration::from_millis(50),
        );
    })
    .await;
    let seller = Visitor::signed_up(&server, "seller").await;
    let ticket_path = seller.sell("Busy night", "25").await;
    let ticket_id = ticket_path.trim_start_matches("/tickets/");
    let shopper = Visitor::signed_up(&server, "shopper").await;

    let reply = shopper
        .submit(&ticket_path, &format!("{ticket_path}/order"), &[])
        .await;

    let page = shopper.follow_to(&reply, &ticket_path).await;
    page.assert_shows("The shop is busy; please try again in a few seconds");
    let ticket = shopper.get_json(&format!("/api/tickets/{ticket_id}")).await;
    assert_eq!(ticket["orderId"], Value::Null);
}

/// Submits the order page's `form` (`pay`, the card form, or `cancel`) and follows its redirect
/// back to the order page.
async fn submit_on_the_order_page(
    visitor: &Visitor,
    order_id: &str,
    form: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let order_page = format!("/orders/{order_id}");
    let reply = visitor
        .submit(&order_page, &format!("{order_page}/{form}"), fields)
        .await;
    visitor.follow_to(&reply, &order_page).await
}

async fn pay_through_the_form(visitor: &Visitor, order_id: &str, fields: &[(&str, &str)]) -> Reply {
    submit_on_the_order_page(visitor, order_id, "pay", fields).await
}

/// The order page shows the ticket held, and the JSON API the order still awaiting payment.
async fn assert_still_held(visitor: &Visitor, page: &Reply, order_id: &str) {
    page.assert_shows("data-state=\"held\"");
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "created");
}

#[tokio::test]
async fn paying_without_card_details_explains_they_are_needed_and_keeps_the_hold() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = pay_through_the_form(&visitor, &order_id, &[]).await;

    assert_eq!(
        text_of(&page.body, "card-errors"),
        Some("Enter your card details to pay (this needs JavaScript).")
    );
    assert_still_held(&visitor, &page, &order_id).await;
}

#[tokio::test]
async fn paying_with_a_good_card_through_the_form_completes_the_order() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page =
        pay_through_the_form(&visitor, &order_id, &[("payment_method", "pm_card_visa")]).await;

    page.assert_shows("data-state=\"paid\"");
    assert!(page.body.contains(">Paid<"));
    assert!(page.body.contains("Payment received. Enjoy the show!"));
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "complete");
}

#[tokio::test]
async fn a_declined_card_is_explained_on_the_order_page_and_the_order_stays_held() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = pay_through_the_form(
        &visitor,
        &order_id,
        &[("payment_method", "pm_card_visa_chargeDeclined")],
    )
    .await;

    assert_eq!(
        text_of(&page.body, "card-errors"),
        Some("Your card was declined.")
    );
    assert_still_held(&visitor, &page, &order_id).await;
}

#[tokio::test]
async fn a_payment_method_stripe_does_not_know_is_explained_and_the_order_stays_held() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = pay_through_the_form(
        &visitor,
        &order_id,
        &[("payment_method", "pm_does_not_exist")],
    )
    .await;

    let message = decode_entities(text_of(&page.body, "card-errors").expect("a card error"));
    assert!(message.contains("pm_does_not_exist"), "{message}");
    assert_still_held(&visitor, &page, &order_id).await;
}

#[tokio::test]
async fn cancelling_through_the_form_cancels_the_order() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = submit_on_the_order_page(&visitor, &order_id, "cancel", &[]).await;

    page.assert_shows("data-state=\"cancelled\"");
    assert!(page.body.contains(">Cancelled<"));
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["cancelReason"], "cancelled");
}

// Assets.

#[tokio::test]
async fn the_stylesheet_and_script_are_served_with_their_types_and_cached_for_good() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;
    let page = visitor.page(&format!("/orders/{order_id}")).await;
    let assets = links_to(&page.body, "/assets/");
    let stylesheet = assets
        .iter()
        .find(|path| path.ends_with(".css"))
        .expect("a stylesheet");
    let script = assets
        .iter()
        .find(|path| path.ends_with(".js"))
        .expect("a script");

    for (path, content_type) in [
        (stylesheet, "text/css; charset=utf-8"),
        (script, "text/javascript; charset=utf-8"),
    ] {
        let reply = visitor.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.content_type(), content_type, "{path}");
        assert_eq!(
            reply.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert!(!reply.body.is_empty(), "{path}");
    }
}
