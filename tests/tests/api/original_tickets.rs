//! The Node original's tickets route specs (its tickets service's `new.test.ts` and
//! `update.test.ts`), ported where the contract agrees, with prices as the original's own client
//! sends them: the text of its form field (`"42.50"`). Its "publishes an event" specs have no
//! counterpart here (no NATS: the saga reads tickets from the database).

use axum::http::StatusCode;
use boxoffice_tests::fixtures::{buyer, id_of, list_ticket, listed_ticket, order_for};
use boxoffice_tests::{ApiClient, TestApp};
use serde_json::{Value, json};

/// Lists a ticket the way the original's client does, and expects it created.
async fn sell(seller: &mut ApiClient<'_>, title: &str, price: &str) -> Value {
    list_ticket(seller, title, json!(price)).await
}

// new.test.ts

#[tokio::test]
async fn has_a_route_handler_listening_to_api_tickets_for_post_requests() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().post("/api/tickets", json!({})).await;
    assert_ne!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn can_only_be_accessed_if_the_user_is_signed_in() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().post("/api/tickets", json!({})).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn returns_a_status_other_than_401_if_the_user_is_signed_in() {
    let app = TestApp::spawn().await;
    let response = buyer(&app).await.post("/api/tickets", json!({})).await;
    assert_ne!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn returns_an_error_if_an_invalid_title_is_provided() {
    let app = TestApp::spawn().await;
    let mut seller = buyer(&app).await;
    for body in [json!({"title": "", "price": "10"}), json!({"price": "10"})] {
        let response = seller.post("/api/tickets", body.clone()).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.error_fields(), ["title"], "{body}");
    }
}

#[tokio::test]
async fn returns_an_error_if_an_invalid_price_is_provided() {
    let app = TestApp::spawn().await;
    let mut seller = buyer(&app).await;
    for (price, message) in [
        (json!("-10"), "Price must be greater than 0"),
        (json!("0"), "Price must be greater than 0"),
        (json!(""), "Price must be a number"),
        (json!("abc"), "Price must be a number"),
        (
            json!("12.345"),
            "Price must be a positive amount with at most two decimals",
        ),
        (json!("1000000.01"), "Price must be at most $999,999.99"),
        (Value::Null, "Price is required"),
    ] {
        let response = seller
            .post("/api/tickets", json!({"title": "asldkjf", "price": price}))
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "price {price}");
        assert_eq!(response.error_fields(), ["price"], "price {price}");
        assert_eq!(response.error_messages(), [message], "price {price}");
    }
    let without_a_price = seller
        .post("/api/tickets", json!({"title": "laskdfj"}))
        .await;
    assert_eq!(without_a_price.status, StatusCode::BAD_REQUEST);
    assert_eq!(without_a_price.error_fields(), ["price"]);
    assert_eq!(buyer(&app).await.get("/api/tickets").await.body, json!([]));
}

#[tokio::test]
async fn creates_a_ticket_with_valid_inputs() {
    let app = TestApp::spawn().await;
    let mut seller = buyer(&app).await;
    assert_eq!(seller.get("/api/tickets").await.body, json!([]));

    let ticket = sell(&mut seller, "New Title", "20").await;

    let tickets = seller.get("/api/tickets").await.body;
    assert_eq!(tickets.as_array().map(Vec::len), Some(1));
    assert_eq!(tickets[0]["id"], ticket["id"]);
    assert_eq!(tickets[0]["price"], json!(20));
    assert_eq!(tickets[0]["title"], "New Title");
}

#[tokio::test]
async fn a_price_typed_with_cents_or_spaces_is_stored_as_that_number() {
    let app = TestApp::spawn().await;
    let mut seller = buyer(&app).await;

    assert_eq!(
        sell(&mut seller, "Matinee", "42.50").await["price"],
        json!(42.5)
    );
    assert_eq!(
        sell(&mut seller, "Balcony", " 12 ").await["price"],
        json!(12)
    );
    assert_eq!(
        sell(&mut seller, "Cheap seat", "0.75").await["price"],
        json!(0.75)
    );
    let listed = seller.get("/api/tickets").await.body;
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|ticket| ticket["price"].is_number()));
}

// update.test.ts

#[tokio::test]
async fn returns_a_404_if_the_provided_id_does_not_exist() {
    let app = TestApp::spawn().await;
    let response = buyer(&app)
        .await
        .put(
            &format!("/api/tickets/{}", uuid::Uuid::new_v4()),
            json!({"title": "aslkdfj", "price": "20"}),
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn returns_a_401_if_the_user_is_not_authenticated() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .put(
            &format!("/api/tickets/{}", uuid::Uuid::new_v4()),
            json!({"title": "aslkdfj", "price": "20"}),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn returns_a_401_if_the_user_does_not_own_the_ticket() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "asldkfj", json!("20")).await;

    let response = buyer(&app)
        .await
        .put(
            &format!("/api/tickets/{}", id_of(&ticket)),
            json!({"title": "alskdjflskjdf", "price": "1000"}),
        )
        .await;

    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn returns_a_400_if_the_user_provides_an_invalid_title_or_price() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "asldkfj", json!("20")).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));

    for (body, field) in [
        (json!({"title": "", "price": "20"}), "title"),
        (json!({"title": "alskdfjj", "price": "-10"}), "price"),
        (json!({"title": "alskdfjj", "price": "abc"}), "price"),
    ] {
        let response = seller.put(&path, body.clone()).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.error_fields(), [field], "{body}");
    }
    assert_eq!(seller.get(&path).await.body, ticket);
}

#[tokio::test]
async fn updates_the_ticket_provided_valid_inputs() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "asldkfj", json!("20")).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));

    let response = seller
        .put(&path, json!({"title": "new title", "price": "100"}))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);

    let shown = app.anonymous().get(&path).await.body;
    assert_eq!(shown["title"], "new title");
    assert_eq!(shown["price"], json!(100));
    let repriced = seller
        .put(&path, json!({"title": "new title", "price": "99.95"}))
        .await;
    assert_eq!(repriced.body["price"], json!(99.95));
    assert_eq!(repriced.body["version"], 2);
}

#[tokio::test]
async fn rejects_updates_if_the_ticket_is_reserved() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket) = listed_ticket(&app, "asldkfj", json!("20")).await;
    order_for(&mut buyer(&app).await, &ticket).await;

    let response = seller
        .put(
            &format!("/api/tickets/{}", id_of(&ticket)),
            json!({"title": "new title", "price": "100"}),
        )
        .await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Cannot edit a reserved ticket"]);
}

#[tokio::test]
async fn the_spec_documents_price_as_a_number_or_a_decimal_string_and_answers_a_number() {
    let app = TestApp::spawn().await;
    let spec = app.anonymous().get("/api/openapi.json").await.body;
    let schemas = &spec["components"]["schemas"];

    for input in ["NewTicketInput", "TicketInput"] {
        let sent = &schemas[input]["properties"]["price"]["oneOf"];
        assert_eq!(sent[0]["type"], "number", "{input}");
        assert_eq!(sent[0]["minimum"], 0.5, "{input}");
        assert_eq!(sent[1]["type"], "string", "{input}");
        assert!(sent[1]["pattern"].is_string(), "{input}");
    }
    assert_eq!(
        schemas["TicketView"]["properties"]["price"]["type"],
        "number"
    );
}
