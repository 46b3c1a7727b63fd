use axum::http::StatusCode;
use boxoffice_tests::fixtures::{each_at, id_of, list_ticket};
use boxoffice_tests::{ApiClient, TestApp};
use serde_json::{Value, json};

/// seller@example.com, who has listed "Concert" at 20: the seller, the ticket and its path.
async fn seller_with_a_ticket(app: &TestApp) -> (ApiClient<'_>, Value, String) {
    let mut seller = app.signed_up("seller@example.com").await;
    let ticket = list_ticket(&mut seller, "Concert", json!(20)).await;
    let path = format!("/api/tickets/{}", id_of(&ticket));
    (seller, ticket, path)
}

#[tokio::test]
async fn creating_a_ticket_returns_201_with_version_0_and_no_order() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;
    let me = seller.get("/api/users/currentuser").await.body;

    let ticket = list_ticket(&mut seller, "Concert", json!(20)).await;

    assert_eq!(ticket["title"], "Concert");
    assert_eq!(ticket["price"], json!(20));
    assert_eq!(ticket["version"], 0);
    assert_eq!(ticket["orderId"], Value::Null);
    assert_eq!(ticket["userId"], me["currentUser"]["id"]);
}

#[tokio::test]
async fn creating_a_ticket_requires_a_session() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .post("/api/tickets", json!({"title": "Concert", "price": 20}))
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, ["Not authorized"]);
}

#[tokio::test]
async fn creating_a_ticket_rejects_an_empty_or_overlong_title() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;
    for title in [json!(""), json!("   "), json!("x".repeat(201)), Value::Null] {
        let response = seller
            .post("/api/tickets", json!({"title": title, "price": 10}))
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "title {title}");
        assert_eq!(response.error_fields(), ["title"]);
    }
}

#[tokio::test]
async fn creating_a_ticket_rejects_a_missing_non_numeric_or_non_positive_price() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;
    for price in [
        Value::Null,
        json!("ten"),
        json!(0),
        json!(-10),
        json!(1.005),
        json!(1_000_001),
    ] {
        let response = seller
            .post("/api/tickets", json!({"title": "Concert", "price": price}))
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "price {price}");
        assert_eq!(response.error_fields(), ["price"]);
    }
}

#[tokio::test]
async fn creating_a_ticket_with_two_bad_fields_reports_both() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;
    let response = seller
        .post("/api/tickets", json!({"title": "", "price": -1}))
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["title", "price"]);
}

#[tokio::test]
async fn prices_keep_their_cents() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;
    let ticket = list_ticket(&mut seller, "Matinee", json!(12.5)).await;
    assert_eq!(ticket["price"], json!(12.5));
    let cents = list_ticket(&mut seller, "Cheap seat", json!(0.75)).await;
    assert_eq!(cents["price"], json!(0.75));
}

#[tokio::test]
async fn listing_returns_tickets_for_sale_newest_first_without_a_session() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;
    list_ticket(&mut seller, "First", json!(10)).await;
    list_ticket(&mut seller, "Second", json!(20)).await;

    let response = app.anonymous().get("/api/tickets").await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(each_at(&response.body, "/title"), ["Second", "First"]);
}

#[tokio::test]
async fn showing_a_ticket_returns_it() {
    let app = TestApp::spawn().await;
    let (_, ticket, path) = seller_with_a_ticket(&app).await;

    let response = app.anonymous().get(&path).await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, ticket);
}

#[tokio::test]
async fn showing_an_unknown_ticket_is_404() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .get(&format!("/api/tickets/{}", uuid::Uuid::new_v4()))
        .await;
    response.assert_error(StatusCode::NOT_FOUND, ["Not found"]);
}

#[tokio::test]
async fn a_malformed_ticket_id_is_400() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/api/tickets/not-an-id").await;
    response.assert_error(StatusCode::BAD_REQUEST, ["Invalid id"]);
}

#[tokio::test]
async fn the_owner_updates_a_ticket_and_its_version_goes_up() {
    let app = TestApp::spawn().await;
    let (mut seller, _, path) = seller_with_a_ticket(&app).await;

    let response = seller
        .put(&path, json!({"title": "Concert (moved)", "price": 25.5}))
        .await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["title"], "Concert (moved)");
    assert_eq!(response.body["price"], json!(25.5));
    assert_eq!(response.body["version"], 1);
    assert_eq!(seller.get(&path).await.body["version"], 1);
}

#[tokio::test]
async fn updating_requires_a_session() {
    let app = TestApp::spawn().await;
    let (_, _, path) = seller_with_a_ticket(&app).await;
    let response = app
        .anonymous()
        .put(&path, json!({"title": "Mine now", "price": 1}))
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn updating_someone_elses_ticket_is_401_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket, path) = seller_with_a_ticket(&app).await;

    let mut other = app.signed_up("other@example.com").await;
    let response = other
        .put(&path, json!({"title": "Mine now", "price": 1}))
        .await;

    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(seller.get(&path).await.body, ticket);
}

#[tokio::test]
async fn updating_an_unknown_ticket_is_404() {
    let app = TestApp::spawn().await;
    let mut seller = app.signed_up("seller@example.com").await;
    let response = seller
        .put(
            &format!("/api/tickets/{}", uuid::Uuid::new_v4()),
            json!({"title": "Concert", "price": 20}),
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn updating_with_invalid_input_is_400_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket, path) = seller_with_a_ticket(&app).await;

    let response = seller
        .put(&path, json!({"title": "", "price": "free"}))
        .await;

    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["title", "price"]);
    assert_eq!(seller.get(&path).await.body, ticket);
}

#[tokio::test]
async fn a_held_ticket_cannot_be_edited() {
    let app = TestApp::spawn().await;
    let (mut seller, ticket, path) = seller_with_a_ticket(&app).await;
    hold_ticket(&app, id_of(&ticket).parse().unwrap()).await;

    let response = seller
        .put(&path, json!({"title": "Changed", "price": 30}))
        .await;

    response.assert_error(StatusCode::BAD_REQUEST, ["Cannot edit a reserved ticket"]);
}

/// Marks the ticket as held by an order, as the saga's reserve step does.
async fn hold_ticket(app: &TestApp, ticket_id: uuid::Uuid) {
    use sea_orm::ConnectionTrait;
    app.database
        .db
        .execute_unprepared(&format!(
            "UPDATE tickets SET order_id = '{}', version = version + 1 WHERE id = '{ticket_id}'",
            uuid::Uuid::new_v4()
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn of_two_concurrent_edits_from_the_same_version_one_wins_and_the_other_gets_409() {
    let app = TestApp::spawn().await;
    let (seller, _, path) = seller_with_a_ticket(&app).await;
    let mut second_tab = app.anonymous();
    let session = seller.session_cookie().unwrap().to_owned();

    let edit = |title: &'static str| {
        let (app, path, session) = (&app, path.clone(), session.clone());
        async move {
            let request = axum::http::Request::put(path)
                .header("content-type", "application/json")
                .header("cookie", session)
                .body(axum::body::Body::from(
                    json!({"title": title, "price": 20, "version": 0}).to_string(),
                ))
                .unwrap();
            app.send(request).await
        }
    };
    let (a, b) = tokio::join!(edit("Edit A"), edit("Edit B"));

    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let loser = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert!(loser.error_messages()[0].contains("changed by someone else"));
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    let stored = second_tab.get(&path).await.body;
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["title"], winner.body["title"]);
}

#[tokio::test]
async fn an_edit_from_a_stale_version_is_409() {
    let app = TestApp::spawn().await;
    let (mut seller, _, path) = seller_with_a_ticket(&app).await;
    seller
        .put(&path, json!({"title": "First edit", "price": 20}))
        .await;

    let response = seller
        .put(
            &path,
            json!({"title": "Stale edit", "price": 20, "version": 0}),
        )
        .await;

    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(seller.get(&path).await.body["title"], "First edit");
}

#[tokio::test]
async fn a_version_written_with_a_zero_fraction_is_that_version_and_a_fraction_is_a_400() {
    let app = TestApp::spawn().await;
    let (mut seller, _, path) = seller_with_a_ticket(&app).await;

    let halfway = seller
        .put(&path, json!({"title": "Edit", "price": 20, "version": 0.5}))
        .await;
    assert_eq!(halfway.status, StatusCode::BAD_REQUEST, "{}", halfway.body);
    assert_eq!(halfway.error_fields(), ["version"]);

    let whole = seller
        .put(&path, json!({"title": "Edit", "price": 20, "version": 0.0}))
        .await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
    let stale = seller
        .put(
            &path,
            json!({"title": "Stale", "price": 20, "version": 0.0}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
}
