//! Buying, paying and cancelling through the pages; the assets they load.

use boxoffice_api::backpressure::TemporalGate;
use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::verified_buyer;
use boxoffice_tests::visitor::{Reply, Visitor, decode_entities, links_to, text_of};
use reqwest::StatusCode;
use reqwest::header;
use serde_json::{Value, json};

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

/// Submits the order page's `form` (`pay`, the card form) and follows its redirect back to the
/// order page.
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

    let order_page = format!("/orders/{order_id}");
    let confirm_page = format!("{order_page}/cancel");

    let reply = visitor.submit(&confirm_page, &confirm_page, &[]).await;

    let page = visitor.follow_to(&reply, &order_page).await;
    page.assert_shows("data-state=\"cancelled\"");
    assert!(page.body.contains(">Cancelled<"));
    page.assert_shows("The ticket is for sale again.");
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["cancelReason"], "cancelled");
}

#[tokio::test]
async fn cancel_asks_once_on_a_page_of_its_own_and_keeping_the_order_changes_nothing() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;
    let order_page = visitor.page(&format!("/orders/{order_id}")).await;
    assert_eq!(
        links_to(&order_page.body, &format!("/orders/{order_id}/cancel")).len(),
        1,
        "Cancel is a link to the question, not a button that cancels"
    );

    let question = visitor.page(&format!("/orders/{order_id}/cancel")).await;

    question.assert_shows("Cancel your order?");
    question.assert_shows("Yes, cancel my order");
    assert!(
        links_to(&question.body, &format!("/orders/{order_id}"))
            .contains(&format!("/orders/{order_id}").as_str())
    );
    assert_still_held(&visitor, &order_page, &order_id).await;
}

#[tokio::test]
async fn an_order_cancelled_while_someone_waits_says_the_ticket_went_to_them() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    let ticket_id = order["ticket"]["id"]
        .as_str()
        .expect("the ticket's id")
        .to_owned();
    let mut waiting = verified_buyer(&server.app).await;
    let joined = waiting
        .post(&format!("/api/tickets/{ticket_id}/waitlist"), json!({}))
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    let confirm_page = format!("/orders/{order_id}/cancel");

    let reply = visitor.submit(&confirm_page, &confirm_page, &[]).await;

    let page = visitor
        .follow_to(&reply, &format!("/orders/{order_id}"))
        .await;
    page.assert_shows("The ticket went to the next person on its waiting list.");
    page.assert_does_not_show("for sale again");
}

#[tokio::test]
async fn a_paid_order_reads_as_a_receipt_with_the_card_the_time_and_the_reference() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page =
        pay_through_the_form(&visitor, &order_id, &[("payment_method", "pm_card_visa")]).await;

    let receipt = &page.body[page.body.find("id=\"receipt\"").expect("a receipt")..];
    let receipt = decode_entities(&receipt[..receipt.find("</dl>").expect("its end")]);
    assert!(receipt.contains("Concert"), "{receipt}");
    assert!(receipt.contains("$25.00"), "{receipt}");
    assert!(receipt.contains("visa ending 4242"), "{receipt}");
    assert!(receipt.contains("<time datetime=\""), "{receipt}");
    assert!(receipt.contains(" UTC</time>"), "{receipt}");
    assert!(receipt.contains(&order_id), "{receipt}");
    page.assert_shows("src=\"/assets/time.");
}

#[tokio::test]
async fn the_holder_sees_their_hold_on_the_ticket_page_with_a_way_to_pay_and_no_waiting_list() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;
    let ticket_page = ticket_page_of(&visitor, &order_id).await;

    let page = visitor.page(&ticket_page).await;

    let text = decode_entities(&page.body);
    assert!(
        text.contains("You're holding this ticket — pay within"),
        "{text}"
    );
    assert_eq!(
        links_to(&page.body, &format!("/orders/{order_id}")),
        [format!("/orders/{order_id}")]
    );
    page.assert_does_not_show("Join the waiting list");
    page.assert_does_not_show("Someone is buying this ticket");
}

#[tokio::test]
async fn a_second_buy_by_the_holder_lands_on_their_own_order() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;
    let ticket_id = ticket_page_of(&visitor, &order_id)
        .await
        .trim_start_matches("/tickets/")
        .to_owned();

    let again = visitor.buy(&ticket_id).await;

    assert_eq!(again, order_id);
    let page = visitor.page(&format!("/orders/{order_id}")).await;
    page.assert_shows("You are already holding this ticket: here is your order.");
    assert_still_held(&visitor, &page, &order_id).await;
}

#[tokio::test]
async fn after_the_purchase_the_buyer_reads_they_bought_it_and_the_seller_that_it_sold() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;
    let ticket_page = seller.sell("Gala", "40").await;
    let shopper = Visitor::signed_up(&server, "shopper").await;
    let order_id = shopper
        .buy(ticket_page.trim_start_matches("/tickets/"))
        .await;
    pay_through_the_form(&shopper, &order_id, &[("payment_method", "pm_card_visa")]).await;

    let bought = shopper.page(&ticket_page).await;
    let sold = seller.page(&ticket_page).await;

    bought.assert_shows("You bought this ticket.");
    assert_eq!(
        links_to(&bought.body, &format!("/orders/{order_id}")).len(),
        1
    );
    let sold_text = decode_entities(&sold.body);
    assert!(
        sold_text.contains("You sold this ticket for $40.00 on <time datetime=\""),
        "{sold_text}"
    );
    sold.assert_does_not_show("This is your ticket.");
}

#[tokio::test]
async fn the_card_field_is_labelled_for_assistive_technology() {
    let server = TestServer::spawn().await;
    let (visitor, order_id) = visitor_with_a_held_order(&server).await;

    let page = visitor.page(&format!("/orders/{order_id}")).await;

    page.assert_shows("id=\"card-label\"");
    page.assert_shows("aria-labelledby=\"card-label\"");
    page.assert_does_not_show("for=\"card-element\"");
}

/// The path of the ticket page of the visitor's order.
async fn ticket_page_of(visitor: &Visitor, order_id: &str) -> String {
    let order = visitor.get_json(&format!("/api/orders/{order_id}")).await;
    format!(
        "/tickets/{}",
        order["ticket"]["id"].as_str().expect("the ticket's id")
    )
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
