//! Steps many tests share: a seller with a ticket, a buyer with an order, waiting for the saga.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::{ApiClient, TestApp};

/// A seller who has listed one ticket.
pub async fn listed_ticket<'a>(
    app: &'a TestApp,
    title: &str,
    price: Value,
) -> (ApiClient<'a>, Value) {
    let mut seller = app
        .signed_up(&format!(
            "seller-{}@example.com",
            uuid::Uuid::new_v4().simple()
        ))
        .await;
    let ticket = list_ticket(&mut seller, title, price).await;
    (seller, ticket)
}

/// The seller lists a ticket, and it is created; returns it.
pub async fn list_ticket(seller: &mut ApiClient<'_>, title: &str, price: Value) -> Value {
    let response = seller
        .post("/api/tickets", json!({"title": title, "price": price}))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

/// The string at `pointer` (`/title`, `/ticket/title`) in each item of a JSON list.
pub fn each_at<'a>(list: &'a Value, pointer: &str) -> Vec<&'a str> {
    let items = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    items
        .iter()
        .map(|item| {
            item.pointer(pointer)
                .and_then(Value::as_str)
                .expect(pointer)
        })
        .collect()
}

/// A fresh buyer.
pub async fn buyer(app: &TestApp) -> ApiClient<'_> {
    app.signed_up(&format!(
        "buyer-{}@example.com",
        uuid::Uuid::new_v4().simple()
    ))
    .await
}

/// A fresh buyer whose e-mail address is verified: one who may join waiting lists.
pub async fn verified_buyer(app: &TestApp) -> ApiClient<'_> {
    let mut shopper = buyer(app).await;
    verify_address(app, &mut shopper).await;
    shopper
}

/// Verifies the shopper's e-mail address as its owner would: asks for the link, and follows it
/// from the message the shop wrote (read from the outbox, so mail may be on or off).
pub async fn verify_address(app: &TestApp, shopper: &mut ApiClient<'_>) {
    let asked = shopper.post("/api/users/verify", json!({})).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    let text = crate::mail::outbox_text(&app.database.db, &email_of(shopper).await, "verify").await;
    // Followed from a mail reader: a browser of its own, which needs no session.
    let followed = app
        .anonymous()
        .get(crate::mail::link_path(&text, "Verify my address"))
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.body);
}

/// A ticket listed at `price` and a fresh buyer who has ordered it (so it is held for them): the
/// buyer, the ticket and the order.
pub async fn ordered_ticket<'a>(
    app: &'a TestApp,
    title: &str,
    price: Value,
) -> (ApiClient<'a>, Value, Value) {
    let (_, ticket) = listed_ticket(app, title, price).await;
    let mut buyer = buyer(app).await;
    let order = order_for(&mut buyer, &ticket).await;
    (buyer, ticket, order)
}

/// A ticket listed at $20 that a fresh buyer has ordered and paid for with a good card: the
/// buyer, the ticket and the order.
pub async fn paid_order<'a>(app: &'a TestApp, title: &str) -> (ApiClient<'a>, Value, Value) {
    let (mut buyer, ticket, order) = ordered_ticket(app, title, json!(20)).await;
    pay_with_a_good_card(&mut buyer, &order).await;
    (buyer, ticket, order)
}

/// A paid order (as `paid_order`) and a support staff member to act on it: the staff member
/// and the order.
pub async fn paid_order_and_staff<'a>(app: &'a TestApp, title: &str) -> (ApiClient<'a>, Value) {
    let (_, _, order) = paid_order(app, title).await;
    (staff_member(app).await, order)
}

/// The buyer pays for the order with a good card, and the payment is accepted (201).
pub async fn pay_with_a_good_card(buyer: &mut ApiClient<'_>, order: &Value) {
    let response = pay(buyer, order, "pm_card_visa").await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
}

/// The buyer cancels the order, and it is cancelled (204).
pub async fn cancel(buyer: &mut ApiClient<'_>, order: &Value) {
    let response = buyer.delete(&format!("/api/orders/{}", id_of(order))).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
}

/// The seller asks to withdraw their ticket; the answer is the caller's to check.
pub async fn withdraw(seller: &mut ApiClient<'_>, ticket: &Value) -> crate::ApiResponse {
    seller
        .delete(&format!("/api/tickets/{}", id_of(ticket)))
        .await
}

/// The buyer orders the ticket and the order is created.
pub async fn order_for(buyer: &mut ApiClient<'_>, ticket: &Value) -> Value {
    let response = buyer
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

pub async fn pay(buyer: &mut ApiClient<'_>, order: &Value, token: &str) -> crate::ApiResponse {
    buyer
        .post(
            "/api/payments",
            json!({"orderId": order["id"], "token": token}),
        )
        .await
}

/// Waits until the buyer sees the order in `status`, and returns it.
pub async fn order_reaches(
    buyer: &ApiClient<'_>,
    order: &Value,
    status: &str,
    timeout: Duration,
) -> Value {
    let path = format!("/api/orders/{}", id_of(order));
    eventually(&format!("order to be {status}"), timeout, || {
        let (mut client, path) = (buyer.clone(), path.clone());
        async move {
            let body = client.get(&path).await.body;
            (body["status"] == status).then_some(body)
        }
    })
    .await
}

/// Knocks the order out of "awaiting payment" behind the saga's back, so that a charge succeeds
/// and completing the order then fails for good — the case the refund compensation exists for.
pub async fn make_completion_impossible(app: &TestApp, order: &Value) {
    use sea_orm::ConnectionTrait;
    app.database
        .db
        .execute_unprepared(&format!(
            "UPDATE orders SET status = 'awaiting:payment' WHERE id = '{}'",
            id_of(order)
        ))
        .await
        .expect("update the order");
}

/// What Stripe.js sends Stripe (here the app's emulator) from the buyer's browser: `form` posted
/// to `path` (`/v1/tokens`, `/v1/payment_methods`) with the publishable key. Returns the object
/// made.
pub async fn from_stripe_js(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.stripe.base_url))
        .bearer_auth(stripe_emulator::TEST_PUBLISHABLE_KEY)
        .form(form)
        .send()
        .await
        .expect("reach the Stripe emulator");
    response.json().await.expect("a Stripe object")
}

pub fn id_of(value: &Value) -> &str {
    value["id"].as_str().expect("an id")
}

/// Polls `check` until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh account made support staff, as `boxoffice staff grant` makes one.
pub async fn staff_member(app: &TestApp) -> ApiClient<'_> {
    let email = format!("staff-{}@example.com", uuid::Uuid::new_v4().simple());
    let client = app.signed_up(&email).await;
    boxoffice_activities::store::users::set_staff(&app.database.db, &email, true)
        .await
        .expect("grant staff")
        .expect("the account exists");
    client
}

/// The buyer's e-mail, as the session knows it.
pub async fn email_of(client: &ApiClient<'_>) -> String {
    let mut client = client.clone();
    let me = client.get("/api/users/currentuser").await.body;
    me["currentUser"]["email"]
        .as_str()
        .expect("signed in")
        .to_owned()
}

/// Staff refund the order for `reason` through the support API.
pub async fn staff_refund(
    staff: &mut ApiClient<'_>,
    order: &Value,
    reason: &str,
) -> crate::ApiResponse {
    staff
        .post(
            &format!("/api/support/orders/{}/refund", id_of(order)),
            json!({ "reason": reason }),
        )
        .await
}

/// The path of a `Link: <path>; rel="next"` header.
pub fn next_page(response: &crate::ApiResponse) -> String {
    let link = response.link.as_deref().expect("a next page");
    link.strip_prefix('<')
        .and_then(|rest| rest.split_once(">; rel=\"next\""))
        .map(|(path, _)| path.to_owned())
        .unwrap_or_else(|| panic!("not a next link: {link}"))
}

/// A paid order and a staff member (as `paid_order_and_staff`), the order's charge already
/// refunded at Stripe behind the shop's back: the staff member and the order.
pub async fn paid_order_refunded_at_stripe<'a>(
    app: &'a TestApp,
    title: &str,
) -> (ApiClient<'a>, Value) {
    let (mut staff, order) = paid_order_and_staff(app, title).await;
    refund_at_stripe_directly(app, &mut staff, &order).await;
    (staff, order)
}

/// Refunds the paid order's charge at Stripe behind the shop's back (from Stripe's dashboard,
/// say), finding the charge through the support desk as staff would.
async fn refund_at_stripe_directly(app: &TestApp, staff: &mut ApiClient<'_>, order: &Value) {
    let found = staff
        .get(&format!("/api/support/orders?orderId={}", id_of(order)))
        .await;
    let charge = found.body[0]["payment"]["chargeId"]
        .as_str()
        .expect("the order's charge")
        .to_owned();
    let refunded = reqwest::Client::new()
        .post(format!("{}/v1/refunds", app.stripe.base_url))
        .bearer_auth(stripe_emulator::TEST_SECRET_KEY)
        .form(&[("payment_intent", charge.as_str())])
        .send()
        .await
        .expect("the emulator answers");
    assert!(refunded.status().is_success(), "{}", refunded.status());
}

/// Test set-up only: every link the shop e-mailed to `email` (verify, reset) expires now, as it
/// would a day or an hour after it was sent.
pub async fn expire_links(app: &TestApp, email: &str) {
    use boxoffice_activities::entities::email_link;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let user = boxoffice_activities::store::users::find_user_by_email(&app.state.db, email)
        .await
        .expect("read the user")
        .expect("the account exists");
    email_link::Entity::update_many()
        .col_expr(
            email_link::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(email_link::Column::UserId.eq(user.id))
        .exec(&app.state.db)
        .await
        .expect("expire the links");
}
