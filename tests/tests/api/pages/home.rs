//! Home: the tickets for sale, the page visitors share, and titles shown as text.

use boxoffice_activities::store::{tickets, users};
use boxoffice_tests::TestServer;
use boxoffice_tests::fixtures::{buyer, cancel, id_of, listed_ticket, order_for};
use boxoffice_tests::visitor::{
    Visitor, decode_entities, email, input_value, links_to, text_after,
};
use serde_json::json;

#[tokio::test]
async fn home_lists_the_tickets_for_sale_with_money_prices_and_links_to_their_pages() {
    let server = TestServer::spawn().await;
    let (_, big) = listed_ticket(&server.app, "Final, front row", json!(1234.5)).await;
    let (_, small) = listed_ticket(&server.app, "Matinee", json!(20)).await;

    let home = Visitor::new(&server).page("/").await;

    home.assert_shows("Final, front row");
    home.assert_shows("$1,234.50");
    home.assert_shows("Matinee");
    home.assert_shows("$20.00");
    let links = links_to(&home.body, "/tickets/");
    assert!(links.contains(&format!("/tickets/{}", id_of(&big)).as_str()));
    assert!(links.contains(&format!("/tickets/{}", id_of(&small)).as_str()));
}

#[tokio::test]
async fn the_home_page_visitors_share_loses_an_ordered_ticket_at_once_and_gets_it_back_on_cancel() {
    let server = TestServer::spawn().await;
    let (_, ticket) = listed_ticket(&server.app, "Opera", json!(30)).await;
    let shopper = Visitor::new(&server);
    // Seen once by a visitor, so the next view could be the page kept for visitors.
    assert!(shopper.page("/").await.body.contains("Opera"));

    let mut buyer = buyer(&server.app).await;
    let order = order_for(&mut buyer, &ticket).await;
    assert!(!Visitor::new(&server).page("/").await.body.contains("Opera"));

    cancel(&mut buyer, &order).await;
    assert!(shopper.page("/").await.body.contains("Opera"));
}

#[tokio::test]
async fn a_signed_in_shopper_and_a_visitor_never_get_each_others_home_page() {
    let server = TestServer::spawn().await;
    listed_ticket(&server.app, "Opera", json!(30)).await;
    let visitor = Visitor::new(&server);
    let shopper = Visitor::new(&server);
    let address = email("shopper");
    assert!(visitor.page("/").await.body.contains("Sign up"));
    shopper.sign_up(&address).await;

    let as_shopper = shopper.page("/").await;
    let as_visitor = visitor.page("/").await;

    as_shopper.assert_shows(&address);
    as_shopper.assert_shows("csrf_token");
    as_visitor.assert_does_not_show(&address);
    // A form token is the visitor's own: the page visitors share must hold none.
    as_visitor.assert_does_not_show("csrf_token");
}

#[tokio::test]
async fn signing_out_shows_its_notice_on_the_home_page_though_visitors_share_one() {
    let server = TestServer::spawn().await;
    listed_ticket(&server.app, "Opera", json!(30)).await;
    Visitor::new(&server).page("/").await;
    let shopper = Visitor::signed_up(&server, "shopper").await;

    let signed_out = shopper.submit("/auth/signout", "/auth/signout", &[]).await;
    let home = shopper.follow_to(&signed_out, "/").await;

    home.assert_shows("You are signed out.");
    home.assert_shows("Opera");
    assert!(!shopper.page("/").await.body.contains("You are signed out."));
}

#[tokio::test]
async fn a_title_with_markup_is_shown_as_text_on_home_and_on_its_page() {
    let server = TestServer::spawn().await;
    let title = "<script>alert(1)</script>";
    let seller = Visitor::signed_up(&server, "seller").await;
    let ticket_page = seller.sell(title, "10").await;
    let shopper = Visitor::new(&server);

    let home = shopper.page("/").await;
    let as_shopper = shopper.page(&ticket_page).await;
    let as_owner = seller.page(&ticket_page).await;

    for page in [&home, &as_shopper, &as_owner] {
        page.assert_does_not_show("<script>alert");
        assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"));
    }
    let shown = |html: &str, marker: &str| decode_entities(text_after(html, marker).expect(marker));
    assert_eq!(shown(&home.body, "class=\"ticket-title\""), title);
    assert_eq!(shown(&as_shopper.body, "class=\"ticket-heading\""), title);
    assert_eq!(
        shown(&as_shopper.body, "<title"),
        format!("{title} · boxoffice")
    );
    assert_eq!(
        decode_entities(input_value(&as_owner.body, "title").expect("the edit form")),
        title
    );
}

#[tokio::test]
async fn a_search_from_the_home_page_shows_the_matches_with_the_words_marked() {
    let server = TestServer::spawn().await;
    listed_ticket(&server.app, "Coldplay at Red Rocks", json!(60)).await;
    listed_ticket(&server.app, "Adele at Wembley", json!(90)).await;
    let shopper = Visitor::new(&server);
    let home = shopper.page("/").await;
    assert_eq!(input_value(&home.body, "q"), Some(""));

    let results = shopper.page("/?q=coldplay+ROCKS&maxPrice=80").await;

    results.assert_shows("Search results");
    assert!(
        results
            .body
            .contains("<mark>Coldplay</mark> at Red <mark>Rocks</mark>"),
        "{}",
        results.body
    );
    results.assert_does_not_show("Adele");
    assert_eq!(input_value(&results.body, "q"), Some("coldplay ROCKS"));
    assert_eq!(input_value(&results.body, "maxPrice"), Some("80"));
}

#[tokio::test]
async fn a_search_that_finds_nothing_says_so_and_offers_to_clear_it() {
    let server = TestServer::spawn().await;
    listed_ticket(&server.app, "Opera", json!(30)).await;

    let results = Visitor::new(&server).page("/?q=metallica").await;

    results.assert_shows("No tickets match “metallica”.");
    results.assert_shows("Clear the search");
    results.assert_does_not_show("Opera");
}

#[tokio::test]
async fn a_search_with_a_bad_price_shows_why() {
    let server = TestServer::spawn().await;
    listed_ticket(&server.app, "Opera", json!(30)).await;

    let results = Visitor::new(&server).page("/?minPrice=-5").await;

    results.assert_shows("minPrice must be an amount of dollars, 0 or more");
    results.assert_does_not_show("Opera");
}

#[tokio::test]
async fn the_next_page_of_a_search_keeps_the_search() {
    let server = TestServer::spawn().await;
    let db = &server.app.database.db;
    let seller = users::create_user(db, "bulk@example.com", "hash")
        .await
        .unwrap();
    // Every title of a bulk catalog has a row and a seat.
    tickets::list_in_bulk(db, seller.id, 101, chrono::Duration::minutes(1))
        .await
        .unwrap();

    let results = Visitor::new(&server).page("/?q=seat&sort=price_asc").await;

    let more: Vec<String> = links_to(&results.body, "/?q=seat")
        .into_iter()
        .map(decode_entities)
        .collect();
    assert_eq!(more.len(), 1, "{}", results.body);
    assert!(
        more[0].starts_with("/?q=seat&sort=price_asc&after="),
        "{}",
        more[0]
    );
}
