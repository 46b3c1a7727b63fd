//! The support desk's API: staff find a customer's orders and refund a paid one through its
//! `RefundWorkflow`; to everyone else it does not exist.

use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{
    email_of, id_of, order_reaches, ordered_ticket, paid_order, paid_order_and_staff,
    paid_order_refunded_at_stripe, pay_with_a_good_card, staff_member, staff_refund,
};
use serde_json::{Value, json};

/// The staff refund went through (200), and Stripe holds exactly one refund.
#[track_caller]
fn assert_refunded_once(app: &TestApp, refunded: &boxoffice_tests::ApiResponse) {
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.body);
    assert_eq!(app.stripe.emulator.refunds().len(), 1);
}

#[tokio::test]
async fn the_desk_is_not_there_for_a_signed_in_customer() {
    let app = TestApp::spawn().await;
    let (mut customer, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;

    let search = customer
        .get("/api/support/orders?email=a@example.com")
        .await;
    let refund = staff_refund(&mut customer, &order, "please").await;

    search.assert_error(StatusCode::NOT_FOUND, ["No such route"]);
    refund.assert_error(StatusCode::NOT_FOUND, ["No such route"]);
}

#[tokio::test]
async fn the_desk_is_not_there_for_a_visitor() {
    let app = TestApp::spawn().await;

    let response = app
        .anonymous()
        .get(&format!(
            "/api/support/orders?orderId={}",
            uuid::Uuid::new_v4()
        ))
        .await;

    response.assert_error(StatusCode::NOT_FOUND, ["No such route"]);
}

#[tokio::test]
async fn staff_rights_revoked_take_the_desk_away_at_once() {
    let app = TestApp::spawn().await;
    let mut staff = staff_member(&app).await;
    let email = email_of(&staff).await;
    boxoffice_activities::store::users::set_staff(&app.database.db, &email, false)
        .await
        .unwrap();

    let response = staff.get("/api/support/orders?email=a@example.com").await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_find_a_customers_orders_by_their_email() {
    let app = TestApp::spawn().await;
    let (customer, ticket, order) = paid_order(&app, "Concert").await;
    let mut staff = staff_member(&app).await;
    let email = email_of(&customer).await;

    let found = staff
        .get(&format!(
            "/api/support/orders?email={}",
            email.to_uppercase()
        ))
        .await;

    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let orders = found.body.as_array().unwrap();
    assert_eq!(orders.len(), 1);
    let found = &orders[0];
    assert_eq!(found["id"], order["id"]);
    assert_eq!(found["status"], "complete");
    assert_eq!(found["buyer"]["email"], email.as_str());
    assert_eq!(found["ticket"]["id"], ticket["id"]);
    assert_eq!(found["ticket"]["title"], "Concert");
    assert_eq!(found["price"], json!(20));
    assert!(found["paidAt"].is_string());
    assert!(
        found["payment"]["chargeId"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );
    assert_eq!(found["payment"]["cardLast4"], "4242");
    assert_eq!(found["refund"], Value::Null);
    assert_eq!(
        found["workflowUrl"],
        format!(
            "http://temporal-ui.test/namespaces/default/workflows/order-{}",
            id_of(&order)
        )
    );
}

#[tokio::test]
async fn staff_find_an_order_by_its_id_and_by_its_tickets() {
    let app = TestApp::spawn().await;
    let (_, ticket, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let mut staff = staff_member(&app).await;

    let by_order = staff
        .get(&format!("/api/support/orders?orderId={}", id_of(&order)))
        .await;
    let by_ticket = staff
        .get(&format!("/api/support/orders?ticketId={}", id_of(&ticket)))
        .await;

    for found in [by_order, by_ticket] {
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        assert_eq!(found.body.as_array().unwrap().len(), 1);
        assert_eq!(found.body[0]["id"], order["id"]);
        assert_eq!(found.body[0]["status"], "created");
        assert_eq!(found.body[0]["payment"], Value::Null);
    }
}

#[tokio::test]
async fn an_email_nobody_has_finds_nothing() {
    let app = TestApp::spawn().await;
    let mut staff = staff_member(&app).await;

    let found = staff
        .get("/api/support/orders?email=nobody@example.com")
        .await;

    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body, json!([]));
}

#[tokio::test]
async fn a_search_needs_exactly_one_valid_term() {
    let app = TestApp::spawn().await;
    let mut staff = staff_member(&app).await;
    let cases = [
        "/api/support/orders",
        "/api/support/orders?email=",
        "/api/support/orders?email=a@example.com&orderId=0195f4c2-8d44-7b1a-9c37-1234567890ab",
        "/api/support/orders?email=not-an-email",
        "/api/support/orders?orderId=42",
        "/api/support/orders?ticketId=nope",
    ];

    for path in cases {
        let response = staff.get(path).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path}");
    }
}

#[tokio::test]
async fn a_refund_gives_the_money_back_once_and_puts_the_ticket_on_sale() {
    let app = TestApp::spawn().await;
    let (mut customer, ticket, order) = paid_order(&app, "Concert").await;
    let mut staff = staff_member(&app).await;

    let refunded = staff_refund(&mut staff, &order, "Customer cannot attend").await;

    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.body);
    assert_eq!(refunded.body["status"], "cancelled");
    assert_eq!(refunded.body["refundState"], "refunded");
    assert_eq!(refunded.body["payment"]["status"], "refunded");
    assert_eq!(refunded.body["refund"]["reason"], "Customer cannot attend");
    let staff_id = staff.get("/api/users/currentuser").await.body["currentUser"]["id"].clone();
    assert_eq!(refunded.body["refund"]["by"], staff_id);
    let refunds = app.stripe.emulator.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["id"], refunded.body["refund"]["id"]);
    assert_eq!(
        refunds[0]["payment_intent"],
        refunded.body["payment"]["chargeId"]
    );
    assert_eq!(refunds[0]["amount"], 2000);
    let seen_by_customer = customer
        .get(&format!("/api/orders/{}", id_of(&order)))
        .await
        .body;
    assert_eq!(seen_by_customer["status"], "cancelled");
    let for_sale = app.anonymous().get("/api/tickets").await.body;
    assert_eq!(for_sale[0]["id"], ticket["id"]);
    assert_eq!(
        refunded.body["refundWorkflowUrl"],
        format!(
            "http://temporal-ui.test/namespaces/default/workflows/refund-{}",
            id_of(&order)
        )
    );
}

#[tokio::test]
async fn refunding_twice_refunds_once() {
    let app = TestApp::spawn().await;
    let (mut staff, order) = paid_order_and_staff(&app, "Concert").await;
    let mut other_staff = staff_member(&app).await;
    let already = format!("Order {} is already refunded", id_of(&order));

    // Two presses at once: the second joins the running refund, or finds it done.
    let (first, second) = tokio::join!(
        staff_refund(&mut staff, &order, "Double charge"),
        staff_refund(&mut other_staff, &order, "Double charge"),
    );
    let third = staff_refund(&mut staff, &order, "Double charge").await;

    let answers = [&first, &second];
    assert!(
        answers.iter().any(|r| r.status == StatusCode::OK),
        "{} / {}",
        first.body,
        second.body
    );
    for answer in answers {
        if answer.status != StatusCode::OK {
            answer.assert_error(StatusCode::BAD_REQUEST, [already.as_str()]);
        }
    }
    third.assert_error(StatusCode::BAD_REQUEST, [already.as_str()]);
    assert_eq!(app.stripe.emulator.refunds().len(), 1);
}

#[tokio::test]
async fn a_refund_needs_a_reason() {
    let app = TestApp::spawn().await;
    let (mut staff, order) = paid_order_and_staff(&app, "Concert").await;

    for body in [json!({}), json!({"reason": "  "}), json!({"reason": 7})] {
        let response = staff
            .post(
                &format!("/api/support/orders/{}/refund", id_of(&order)),
                body.clone(),
            )
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.error_fields(), ["reason"]);
    }
    assert!(app.stripe.emulator.refunds().is_empty());
}

#[tokio::test]
async fn an_unpaid_order_is_not_refunded() {
    let app = TestApp::spawn().await;
    let (_, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let mut staff = staff_member(&app).await;

    let response = staff_refund(&mut staff, &order, "Asked for it").await;

    response.assert_error(
        StatusCode::BAD_REQUEST,
        [format!("Order {} is not paid: nothing to refund", id_of(&order)).as_str()],
    );
    assert!(app.stripe.emulator.refunds().is_empty());
}

#[tokio::test]
async fn an_expired_order_is_not_refunded() {
    let app = TestApp::spawn_with_hold(2).await;
    let (customer, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    order_reaches(&customer, &order, "cancelled", Duration::from_secs(30)).await;
    let mut staff = staff_member(&app).await;

    let response = staff_refund(&mut staff, &order, "Asked for it").await;

    response.assert_error(
        StatusCode::BAD_REQUEST,
        [format!("Order {} expired unpaid: nothing to refund", id_of(&order)).as_str()],
    );
}

#[tokio::test]
async fn an_order_that_was_refused_once_can_be_refunded_once_paid() {
    let app = TestApp::spawn().await;
    let (mut customer, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let mut staff = staff_member(&app).await;
    let refused = staff_refund(&mut staff, &order, "Too early").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    pay_with_a_good_card(&mut customer, &order).await;

    let refunded = staff_refund(&mut staff, &order, "Now paid").await;

    assert_refunded_once(&app, &refunded);
}

#[tokio::test]
async fn a_refund_stripe_refuses_leaves_the_order_paid() {
    let app = TestApp::spawn().await;
    let (mut staff, order) = paid_order_refunded_at_stripe(&app, "Concert").await;

    let response = staff_refund(&mut staff, &order, "Customer asked").await;

    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    let reason = &response.error_messages()[0];
    assert!(reason.starts_with("Stripe refused the refund"), "{reason}");
    let after = staff
        .get(&format!("/api/support/orders?orderId={}", id_of(&order)))
        .await;
    assert_eq!(after.body[0]["status"], "complete");
    assert_eq!(after.body[0]["refundState"], Value::Null);
    assert_eq!(after.body[0]["payment"]["status"], "succeeded");
}

#[tokio::test]
async fn a_refund_started_in_the_name_of_someone_not_staff_is_refused() {
    let app = TestApp::spawn().await;
    let (mut customer, _, order) = paid_order(&app, "Concert").await;
    let customer_id = customer.get("/api/users/currentuser").await.body["currentUser"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // As the Temporal UI's *Start Workflow* could: the workflow's own input, no gateway.
    let request = boxoffice_activities::refund::RefundRequest {
        order_id: id_of(&order).parse().unwrap(),
        staff_id: customer_id,
        reason: "I want my money".to_owned(),
    };

    let refused = boxoffice_workflows::refund::start::refund(
        &app.state.temporal,
        &app.state.settings.saga.task_queue,
        request,
    )
    .await;

    let reason = refused.expect_err("refused").to_string();
    assert_eq!(reason, format!("User {customer_id} is not support staff"));
    assert!(app.stripe.emulator.refunds().is_empty());
}

#[tokio::test]
async fn a_refund_whose_answer_from_stripe_is_lost_refunds_once() {
    let app = TestApp::spawn().await;
    let (mut staff, order) = paid_order_and_staff(&app, "Concert").await;
    // Stripe's answer is held back past the attempt's timeout: the retry asks again, with the
    // same idempotency key.
    app.stripe
        .emulator
        .delay_next_responses(1, Duration::from_secs(12));

    let refunded = staff_refund(&mut staff, &order, "Lost answer").await;

    assert_refunded_once(&app, &refunded);
}

#[tokio::test]
async fn a_worker_that_goes_away_mid_refund_leaves_one_refund() {
    let app = TestApp::spawn().await;
    let (mut staff, order) = paid_order_and_staff(&app, "Concert").await;
    app.stripe
        .emulator
        .delay_next_responses(1, Duration::from_secs(12));

    let (refunded, ()) = tokio::join!(staff_refund(&mut staff, &order, "Worker crash"), async {
        // The refund is at Stripe, waiting for its answer, when the worker goes.
        tokio::time::sleep(Duration::from_secs(2)).await;
        app.stop_worker();
        app.start_worker();
    },);

    assert_refunded_once(&app, &refunded);
    assert_eq!(refunded.body["refundState"], "refunded");
}
