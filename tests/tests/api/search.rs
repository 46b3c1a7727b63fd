//! `GET /api/tickets?q=&minPrice=&maxPrice=&sort=`: the tickets for sale found by the words of
//! their titles (each database's own full-text engine), a price range and an order, in pages.

use axum::http::StatusCode;
use boxoffice_activities::store::search::{Search, SortBy, search_tickets};
use boxoffice_activities::store::tickets::{self, NewTicket, TicketEdit};
use boxoffice_activities::store::{PageRequest, users};
use boxoffice_tests::fixtures::{
    buyer, each_at, id_of, list_ticket, listed_ticket, next_page, order_for,
};
use boxoffice_tests::{TestApp, TestDatabase, TestSqlite};
use sea_orm::DatabaseConnection;
use serde_json::json;

#[tokio::test]
async fn search_finds_a_ticket_by_any_word_of_its_title_in_any_case() {
    let app = TestApp::spawn().await;
    let (mut seller, _) = listed_ticket(&app, "Coldplay at Wembley Stadium", json!(80)).await;
    list_ticket(&mut seller, "Adele at the O2 Arena", json!(90)).await;
    let mut shopper = app.anonymous();

    for q in ["coldplay", "WEMBLEY", "Stadium", "wembley%20coldplay"] {
        let found = shopper.get(&format!("/api/tickets?q={q}")).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        assert_eq!(
            each_at(&found.body, "/title"),
            ["Coldplay at Wembley Stadium"],
            "q={q}"
        );
    }
    let none = shopper.get("/api/tickets?q=metallica").await;
    assert_eq!(none.body, json!([]));
}

#[tokio::test]
async fn search_leaves_out_tickets_that_are_held_or_withdrawn() {
    let app = TestApp::spawn().await;
    let (mut seller, held) = listed_ticket(&app, "Muse held", json!(20)).await;
    let withdrawn = list_ticket(&mut seller, "Muse withdrawn", json!(20)).await;
    list_ticket(&mut seller, "Muse for sale", json!(20)).await;
    order_for(&mut buyer(&app).await, &held).await;
    seller
        .delete(&format!("/api/tickets/{}", id_of(&withdrawn)))
        .await;

    let found = app.anonymous().get("/api/tickets?q=muse").await;

    assert_eq!(each_at(&found.body, "/title"), ["Muse for sale"]);
}

#[tokio::test]
async fn search_filters_by_price_and_sorts_by_price_across_pages_keeping_the_search() {
    let app = TestApp::spawn().await;
    let (mut seller, _) = listed_ticket(&app, "Blur 10", json!(10)).await;
    for (title, price) in [
        ("Blur 40", 40),
        ("Blur 20", 20),
        ("Blur 30", 30),
        ("Muse 25", 25),
    ] {
        list_ticket(&mut seller, title, json!(price)).await;
    }
    let mut shopper = app.anonymous();

    let first = shopper
        .get("/api/tickets?q=blur&minPrice=15&maxPrice=40&sort=price_desc&limit=2")
        .await;
    assert_eq!(each_at(&first.body, "/title"), ["Blur 40", "Blur 30"]);
    let second = shopper.get(&next_page(&first)).await;
    assert_eq!(each_at(&second.body, "/title"), ["Blur 20"]);
    assert_eq!(second.link, None);

    let cheapest = shopper.get("/api/tickets?maxPrice=25&sort=price_asc").await;
    assert_eq!(
        each_at(&cheapest.body, "/title"),
        ["Blur 10", "Blur 20", "Muse 25"]
    );
}

/// The gateway keeps the pages it answered until the catalog changes (`api::listing`): the same
/// search asked again reflects every order, listing and edit made since.
#[tokio::test]
async fn the_same_search_asked_again_answers_what_changed_since() {
    let app = TestApp::spawn().await;
    let (mut seller, ordered) = listed_ticket(&app, "Muse 1", json!(20)).await;
    let edited = list_ticket(&mut seller, "Muse 2", json!(20)).await;
    let mut shopper = app.anonymous();
    let muse = "/api/tickets?q=muse";
    assert_eq!(
        each_at(&shopper.get(muse).await.body, "/title"),
        ["Muse 2", "Muse 1"]
    );

    order_for(&mut buyer(&app).await, &ordered).await;
    assert_eq!(each_at(&shopper.get(muse).await.body, "/title"), ["Muse 2"]);

    list_ticket(&mut seller, "Muse 3", json!(20)).await;
    let path = format!("/api/tickets/{}", id_of(&edited));
    seller
        .put(&path, json!({"title": "Blur 2", "price": 20}))
        .await;
    assert_eq!(each_at(&shopper.get(muse).await.body, "/title"), ["Muse 3"]);
}

#[tokio::test]
async fn a_tickets_new_title_is_found_by_its_new_words_at_once() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "Radiohead", json!(30)).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));
    let edited = seller
        .put(&path, json!({"title": "Björk at Red Rocks", "price": 30}))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let mut shopper = app.anonymous();

    let found = shopper.get("/api/tickets?q=rocks").await;
    assert_eq!(each_at(&found.body, "/title"), ["Björk at Red Rocks"]);
    let old = shopper.get("/api/tickets?q=radiohead").await;
    assert_eq!(old.body, json!([]));
}

#[tokio::test]
async fn bad_search_parameters_are_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(201);
    let mut shopper = app.anonymous();
    for (query, field) in [
        ("minPrice=-1".to_owned(), "minPrice"),
        ("maxPrice=ten".to_owned(), "maxPrice"),
        ("minPrice=30&maxPrice=20".to_owned(), "maxPrice"),
        ("sort=cheapest".to_owned(), "sort"),
        (format!("q={long}"), "q"),
    ] {
        let response = shopper.get(&format!("/api/tickets?{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.error_fields(), [field], "{query}");
    }
}

/// The store's search, the same behaviour on each database: words in any case, a price range, an
/// order, pages, and a title changed a moment ago.
async fn search_behaves_the_same(db: &DatabaseConnection) {
    let seller = users::create_user(db, "seller@example.com", "hash")
        .await
        .unwrap();
    let mut listed = Vec::new();
    for (title, price_cents) in [
        ("Coldplay at Wembley, row 1", 8000),
        ("Coldplay at Red Rocks", 6000),
        ("Adele at Wembley", 9000),
        ("coldplay encore", 7000),
    ] {
        let new = NewTicket {
            title,
            price_cents,
            seller_id: seller.id,
        };
        listed.push(tickets::create_ticket(db, new).await.unwrap());
    }
    let titles = |rows: Vec<boxoffice_activities::entities::ticket::Model>| {
        rows.into_iter().map(|t| t.title).collect::<Vec<_>>()
    };
    let search = |words: &str, sort| Search {
        words: Some(words.to_owned()),
        min_price_cents: None,
        max_price_cents: None,
        sort,
    };
    let first = PageRequest {
        after: None,
        limit: 2,
    };

    let cheapest = search_tickets(db, &search("COLDPLAY", SortBy::PriceAscending), first)
        .await
        .unwrap();
    assert_eq!(
        titles(cheapest.clone()),
        ["Coldplay at Red Rocks", "coldplay encore"]
    );
    let rest = PageRequest {
        after: cheapest.last().map(|t| t.id),
        limit: 2,
    };
    let next = search_tickets(db, &search("COLDPLAY", SortBy::PriceAscending), rest)
        .await
        .unwrap();
    assert_eq!(titles(next), ["Coldplay at Wembley, row 1"]);

    let in_range = Search {
        min_price_cents: Some(7500),
        ..search("wembley", SortBy::Newest)
    };
    let found = search_tickets(
        db,
        &in_range,
        PageRequest {
            after: None,
            limit: 10,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        titles(found),
        ["Adele at Wembley", "Coldplay at Wembley, row 1"]
    );

    let edit = TicketEdit {
        title: "Rosalía at the Ziggo Dome",
        price_cents: 7000,
        expected_version: None,
    };
    tickets::update_ticket(db, listed[3].id, seller.id, edit)
        .await
        .unwrap();
    let everything = PageRequest {
        after: None,
        limit: 10,
    };
    let renamed = search_tickets(db, &search("ziggo", SortBy::Newest), everything)
        .await
        .unwrap();
    assert_eq!(titles(renamed), ["Rosalía at the Ziggo Dome"]);
    let gone = search_tickets(db, &search("encore", SortBy::Newest), everything)
        .await
        .unwrap();
    assert!(gone.is_empty());
    // Punctuation and search syntax are words or nothing, never an error.
    for odd in [r#""unclosed"#, "-", "AND OR NOT", "a*b(c)"] {
        search_tickets(db, &search(odd, SortBy::Newest), everything)
            .await
            .unwrap_or_else(|err| panic!("{odd}: {err}"));
    }
}

#[tokio::test]
async fn search_on_postgres_finds_any_word_in_any_case_with_filters_sort_and_pages() {
    let database = TestDatabase::create().await;
    search_behaves_the_same(&database.db).await;
}

#[tokio::test]
async fn search_on_sqlite_finds_any_word_in_any_case_with_filters_sort_and_pages() {
    let database = TestSqlite::create().await;
    search_behaves_the_same(&database.db).await;
}
