//! Selling a ticket, and its owner editing it while it is for sale (and not while held).

use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::{buyer, order_for};
use boxoffice_tests::visitor::{Reply, Visitor, fieldset_tag, input_value, text_of};
use reqwest::StatusCode;
use serde_json::json;

use super::tickets_in_the_database;

#[tokio::test]
async fn a_price_that_is_not_a_number_shows_the_sell_form_again_with_the_error_and_the_title() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;

    let reply = seller.submit_sell("Opera", "abc").await;

    let form = seller.follow_to(&reply, "/tickets/new").await;
    assert_eq!(
        text_of(&form.body, "price-error"),
        Some("Price must be a number")
    );
    assert_eq!(text_of(&form.body, "title-error"), None);
    assert_eq!(input_value(&form.body, "title"), Some("Opera"));
    assert_eq!(input_value(&form.body, "price"), Some("abc"));
    assert_eq!(tickets_in_the_database(&server).await, 0);
}

#[tokio::test]
async fn selling_with_a_valid_price_lists_the_ticket_and_shows_its_page() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;

    let reply = seller.submit_sell("Opera", "$1234.5").await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let id = reply
        .location()
        .strip_prefix("/tickets/")
        .expect("the ticket's page")
        .to_owned();
    let page = seller.follow(&reply).await;
    page.assert_shows("Your ticket is listed for sale.");
    assert!(page.body.contains("$1,234.50"));
    let listed = seller.get_json(&format!("/api/tickets/{id}")).await;
    assert_eq!(listed["title"], "Opera");
    assert_eq!(listed["price"], json!(1234.5));
}

#[tokio::test]
async fn the_owner_of_a_ticket_for_sale_sees_an_edit_form_with_it_filled_in() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;
    let ticket_page = seller.sell("Opera", "25").await;

    let page = seller.page(&ticket_page).await;

    page.assert_shows("Edit your ticket");
    assert!(!fieldset_tag(&page.body).contains("disabled"));
    assert_eq!(input_value(&page.body, "title"), Some("Opera"));
    assert_eq!(input_value(&page.body, "price"), Some("25.00"));
    assert_eq!(input_value(&page.body, "version"), Some("0"));
}

#[tokio::test]
async fn the_owner_edits_a_ticket_for_sale_through_its_page() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;
    let ticket_page = seller.sell("Opera", "25").await;

    let page = edit_through_its_page(&seller, &ticket_page, "Opera, box 4", "30").await;

    page.assert_shows("Your changes are saved.");
    let ticket = seller.get_json(&format!("/api{ticket_page}")).await;
    assert_eq!(ticket["title"], "Opera, box 4");
    assert_eq!(ticket["price"], json!(30));
}

/// Submits the ticket page's edit form (version 0) and follows its redirect back to the page.
async fn edit_through_its_page(
    seller: &Visitor,
    ticket_page: &str,
    title: &str,
    price: &str,
) -> Reply {
    let reply = seller
        .submit(
            ticket_page,
            ticket_page,
            &[("version", "0"), ("title", title), ("price", price)],
        )
        .await;
    seller.follow_to(&reply, ticket_page).await
}

/// A seller signed in on the pages whose ticket someone has ordered through the JSON API.
async fn seller_with_a_held_ticket(server: &TestServer) -> (Visitor, String) {
    let seller = Visitor::signed_up(server, "seller").await;
    let ticket_page = seller.sell("Opera", "25").await;
    let ticket = seller.get_json(&format!("/api{ticket_page}")).await;
    let mut someone = buyer(&server.app).await;
    order_for(&mut someone, &ticket).await;
    (seller, ticket_page)
}

#[tokio::test]
async fn while_a_ticket_is_held_its_owner_sees_the_edit_form_disabled() {
    let server = TestServer::spawn().await;
    let (seller, ticket_page) = seller_with_a_held_ticket(&server).await;

    let page = seller.page(&ticket_page).await;

    page.assert_shows("On hold");
    assert!(
        fieldset_tag(&page.body).contains("disabled"),
        "{}",
        fieldset_tag(&page.body)
    );
    assert!(page.body.contains("cannot be edited"));
}

#[tokio::test]
async fn editing_a_held_ticket_is_refused_with_the_reason_on_its_page_and_the_ticket_unchanged() {
    let server = TestServer::spawn().await;
    let (seller, ticket_page) = seller_with_a_held_ticket(&server).await;

    let page = edit_through_its_page(&seller, &ticket_page, "Changed", "99").await;

    page.assert_shows("Cannot edit a reserved ticket");
    let ticket = seller.get_json(&format!("/api{ticket_page}")).await;
    assert_eq!(ticket["title"], "Opera");
    assert_eq!(ticket["price"], json!(25));
}

#[tokio::test]
async fn the_seller_withdraws_a_ticket_with_its_button_and_the_page_shows_it_withdrawn() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;
    let ticket_page = seller.sell("Opera", "25").await;
    seller.page(&ticket_page).await.assert_shows("Withdraw");

    let reply = seller
        .submit(&ticket_page, &format!("{ticket_page}/withdraw"), &[])
        .await;

    let page = seller.follow_to(&reply, &ticket_page).await;
    page.assert_shows("Your ticket is withdrawn from sale.");
    let shopper = Visitor::signed_up(&server, "shopper").await;
    let seen = shopper.page(&ticket_page).await;
    seen.assert_shows("Withdrawn");
    seen.assert_does_not_show("Buy for");
}

#[tokio::test]
async fn my_listings_shows_the_sellers_tickets_and_the_totals_and_is_linked_when_signed_in() {
    let server = TestServer::spawn().await;
    let seller = Visitor::signed_up(&server, "seller").await;
    seller.sell("Opera", "25").await;

    let page = seller.page("/listings").await;

    page.assert_shows("My listings");
    page.assert_shows("Opera");
    page.assert_shows("For sale");
    page.assert_shows("1 ticket listed, 0 sold, $0.00 in sales.");
    assert!(seller.page("/").await.body.contains("href=\"/listings\""));
}
