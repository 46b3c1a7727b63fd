//! The storefront's listing: paginated by keyset, and the first page served from memory only
//! while nothing about the tickets changed.

use axum::http::StatusCode;
use boxoffice_activities::store::catalog;
use boxoffice_tests::fixtures::{buyer, cancel, id_of, list_ticket, listed_ticket, order_for};
use boxoffice_tests::{ApiClient, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn listed_titles(client: &mut ApiClient<'_>, path: &str) -> Vec<String> {
    let response = client.get(path).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    titles(&response.body)
}

fn titles(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("not a plain array: {body}"))
        .iter()
        .map(|ticket| ticket["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_ticket_ordered_is_gone_from_the_next_listing_and_back_once_the_order_is_cancelled() {
    let app = TestApp::spawn().await;
    let (_seller, ticket) = listed_ticket(&app, "Opera", json!(30)).await;
    let mut shopper = app.anonymous();
    // Loaded once, so the next listing could come from memory.
    assert_eq!(listed_titles(&mut shopper, "/api/tickets").await, ["Opera"]);

    let mut buyer = buyer(&app).await;
    let order = order_for(&mut buyer, &ticket).await;

    assert!(listed_titles(&mut shopper, "/api/tickets").await.is_empty());
    let home = shopper.get("/").await;
    assert!(
        !home.body.as_str().unwrap().contains("Opera"),
        "{}",
        home.body
    );

    cancel(&mut buyer, &order).await;
    assert_eq!(listed_titles(&mut shopper, "/api/tickets").await, ["Opera"]);
}

#[tokio::test]
async fn an_edited_price_is_in_the_next_listing() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Ballet", json!(30)).await;
    let mut shopper = app.anonymous();
    assert_eq!(
        shopper.get("/api/tickets").await.body[0]["price"],
        json!(30)
    );

    let edited = seller
        .put(
            &format!("/api/tickets/{}", id_of(&ticket)),
            json!({"title": "Ballet", "price": 45}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);

    assert_eq!(
        shopper.get("/api/tickets").await.body[0]["price"],
        json!(45)
    );
}

#[tokio::test]
async fn the_listing_pages_newest_first_with_a_link_to_the_next_page() {
    let app = TestApp::spawn().await;
    let (mut seller, _) = listed_ticket(&app, "First", json!(10)).await;
    list_ticket(&mut seller, "Second", json!(10)).await;
    list_ticket(&mut seller, "Third", json!(10)).await;
    let mut shopper = app.anonymous();

    let first = shopper.get("/api/tickets?limit=2").await;
    assert_eq!(titles(&first.body), ["Third", "Second"]);
    let link = first.link.expect("a next page");
    let next = link
        .strip_prefix('<')
        .and_then(|rest| rest.split_once(">; rel=\"next\""))
        .map(|(path, _)| path.to_owned())
        .unwrap_or_else(|| panic!("not a next link: {link}"));
    assert_eq!(
        next,
        format!(
            "/api/tickets?after={}&limit=2",
            first.body[1]["id"].as_str().unwrap()
        )
    );

    let second = shopper.get(&next).await;
    assert_eq!(titles(&second.body), ["First"]);
    assert_eq!(second.link, None);
    let everything = shopper.get("/api/tickets").await;
    assert_eq!(titles(&everything.body), ["Third", "Second", "First"]);
    assert_eq!(everything.link, None);
}

#[tokio::test]
async fn a_page_size_or_cursor_that_makes_no_sense_is_a_400_and_an_unknown_cursor_a_404() {
    let app = TestApp::spawn().await;
    let mut shopper = app.anonymous();
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("after=not-an-id", "after"),
    ] {
        let response = shopper.get(&format!("/api/tickets?{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.error_fields(), [field], "{query}");
    }
    let nowhere = shopper
        .get("/api/tickets?after=0190a1b2-0000-7000-8000-000000000000")
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
}

/// "Ticket 0" to "Ticket 101" for sale, the highest number the newest.
async fn a_hundred_and_two_tickets(app: &TestApp) {
    let (mut seller, _) = listed_ticket(app, "Ticket 0", json!(10)).await;
    let seller_id = seller.get("/api/users/currentuser").await.body["currentUser"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // 101 more, straight into the table: the listing does not care how they got there.
    let db = &app.state.db;
    for n in 1..=101 {
        db.execute_unprepared(&format!(
            "INSERT INTO tickets (id, title, price_cents, user_id, version, created_at) \
             VALUES ('{}', 'Ticket {n}', 1000, '{seller_id}', 0, NOW() + INTERVAL '{n} seconds')",
            uuid::Uuid::now_v7()
        ))
        .await
        .unwrap();
    }
    catalog::changed();
}

#[tokio::test]
async fn the_home_page_shows_a_hundred_tickets_and_a_link_to_the_rest() {
    let app = TestApp::spawn().await;
    a_hundred_and_two_tickets(&app).await;
    let mut shopper = app.anonymous();

    let home = shopper.get("/").await;
    let html = home.body.as_str().unwrap();
    assert_eq!(html.matches("class=\"ticket-card\"").count(), 100);
    assert!(html.contains(">Ticket 101<") && !html.contains(">Ticket 1<"));
    let more = html
        .split("href=\"")
        .find_map(|rest| {
            rest.split_once("\" rel=\"next\"")
                .map(|(href, _)| href.to_owned())
        })
        .expect("a More tickets link");

    let rest = shopper.get(&more.replace("&amp;", "&")).await;
    let rest = rest.body.as_str().unwrap();
    assert_eq!(rest.matches("class=\"ticket-card\"").count(), 2);
    assert!(rest.contains(">Ticket 1<") && rest.contains(">Ticket 0<"));
    assert!(!rest.contains("rel=\"next\""));
}

#[tokio::test]
async fn the_plain_listing_is_a_hundred_tickets_with_a_link_to_the_rest() {
    let app = TestApp::spawn().await;
    a_hundred_and_two_tickets(&app).await;
    let mut shopper = app.anonymous();

    let plain = shopper.get("/api/tickets").await;
    let titles = titles(&plain.body);
    assert_eq!(titles.len(), 100);
    assert_eq!(
        (titles[0].as_str(), titles[99].as_str()),
        ("Ticket 101", "Ticket 2")
    );
    let hundredth = plain.body[99]["id"].as_str().unwrap();
    assert_eq!(
        plain.link.as_deref(),
        Some(format!("</api/tickets?after={hundredth}&limit=100>; rel=\"next\"").as_str())
    );
}

#[tokio::test]
async fn my_orders_page_oldest_first_with_a_link_to_the_next_page() {
    let app = TestApp::spawn().await;
    let (mut seller, first) = listed_ticket(&app, "One", json!(10)).await;
    let second = list_ticket(&mut seller, "Two", json!(10)).await;
    let mut buyer = buyer(&app).await;
    order_for(&mut buyer, &first).await;
    order_for(&mut buyer, &second).await;

    let page = buyer.get("/api/orders?limit=1").await;
    assert_eq!(page.body[0]["ticket"]["title"], "One");
    let next = page.link.expect("a next page");
    assert!(next.starts_with("</api/orders?after="), "{next}");
    let path = next.trim_start_matches('<').split('>').next().unwrap();
    let rest = buyer.get(path).await;
    assert_eq!(rest.body[0]["ticket"]["title"], "Two");
    assert_eq!(rest.body.as_array().unwrap().len(), 1);
    assert_eq!(rest.link, None);
}
