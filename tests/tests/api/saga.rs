//! The purchase saga's hard cases: expiry, races, a lost worker, a lost response, a failed completion.

use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_domain::UserId;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{
    buyer, id_of, listed_ticket, make_completion_impossible, order_for, order_reaches,
    ordered_ticket, pay,
};
use boxoffice_workflows::PurchaseWorkflow;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

#[tokio::test]
async fn an_unpaid_hold_expires_cancels_the_order_as_expired_and_frees_the_ticket() {
    let app = TestApp::spawn_with_hold(2).await;
    let (mut buyer_client, ticket, order) = ordered_ticket(&app, "Concert", json!(20)).await;

    let expired = order_reaches(&buyer_client, &order, "cancelled", Duration::from_secs(20)).await;

    assert_eq!(expired["cancelReason"], "expired");
    let for_sale = buyer_client.get("/api/tickets").await.body;
    assert_eq!(for_sale[0]["id"], ticket["id"]);
    assert!(app.stripe.emulator.payment_intents().is_empty());
    // Another buyer can now order it.
    order_for(&mut buyer(&app).await, &ticket).await;
}

#[tokio::test]
async fn of_twenty_concurrent_buyers_for_one_ticket_exactly_one_gets_201() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Last seat", json!(99)).await;
    let mut buyers = Vec::new();
    for _ in 0..20 {
        buyers.push(buyer(&app).await);
    }

    let attempts = buyers.iter_mut().map(|buyer| {
        let ticket_id = ticket["id"].clone();
        async move {
            buyer
                .post("/api/orders", json!({"ticketId": ticket_id}))
                .await
        }
    });
    let responses = futures::future::join_all(attempts).await;

    let created = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused: Vec<_> = responses
        .iter()
        .filter(|r| r.status == StatusCode::BAD_REQUEST)
        .collect();
    assert_eq!(
        created,
        1,
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(refused.len(), 19);
    assert!(
        refused
            .iter()
            .all(|r| r.error_messages() == ["Ticket is already reserved"])
    );
    let orders = app
        .database
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT id FROM orders".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(orders.len(), 1);
}

#[tokio::test]
async fn a_hold_still_expires_on_time_when_the_worker_is_replaced_mid_hold() {
    let app = TestApp::spawn_with_hold(4).await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    let expires_at: DateTime<Utc> = order["expiresAt"].as_str().unwrap().parse().unwrap();

    app.stop_worker();
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.start_worker();
    order_reaches(&buyer_client, &order, "cancelled", Duration::from_secs(30)).await;

    let late_by = Utc::now() - expires_at;
    assert!(
        late_by < chrono::Duration::seconds(5),
        "expired {late_by} after its deadline"
    );
    let expired = buyer_client
        .get(&format!("/api/orders/{}", id_of(&order)))
        .await
        .body;
    assert_eq!(expired["cancelReason"], "expired");
}

#[tokio::test]
async fn a_charge_retried_after_its_response_was_lost_creates_exactly_one_payment_intent() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    // The first charge goes through at Stripe, but its response arrives after the activity's
    // timeout, so Temporal retries it with the same idempotency key.
    app.stripe
        .emulator
        .delay_next_responses(1, Duration::from_secs(12));

    let response = pay(&mut buyer_client, &order, "pm_card_visa").await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(app.stripe.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_charge_stripe_is_slow_to_answer_moves_to_a_scheduled_activity_shows_charging_and_completes()
 {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Slow Stripe", json!(20)).await;
    // Longer than the quick charge's window: two answers held back past the attempt's timeout.
    app.stripe
        .emulator
        .delay_next_responses(2, Duration::from_secs(12));

    let response = pay(&mut buyer_client, &order, "pm_card_visa").await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(app.stripe.emulator.payment_intents().len(), 1);
    let events = app
        .saga_of(&order)
        .fetch_history(temporalio_client::WorkflowFetchHistoryOptions::default())
        .into_events()
        .await
        .expect("history");
    let scheduled_charges = events
        .iter()
        .filter(|event| match &event.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(scheduled)) => scheduled
                .activity_type
                .as_ref()
                .is_some_and(|t| t.name == "PurchaseActivities::charge"),
            _ => false,
        })
        .count();
    assert_eq!(
        scheduled_charges, 1,
        "the slow charge moved to a scheduled activity"
    );
    let shown_charging = events.iter().any(|event| match &event.attributes {
        Some(Attributes::UpsertWorkflowSearchAttributesEventAttributes(upsert)) => upsert
            .search_attributes
            .as_ref()
            .and_then(|attributes| attributes.indexed_fields.get("OrderStatus"))
            .is_some_and(|value| value.data == b"\"Charging\""),
        _ => false,
    });
    assert!(shown_charging, "support staff saw the order as Charging");
}

#[tokio::test]
async fn a_charge_that_cannot_be_completed_is_refunded_and_the_ticket_freed() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, ticket, order) = ordered_ticket(&app, "Concert", json!(20)).await;
    make_completion_impossible(&app, &order).await;

    let response = pay(&mut buyer_client, &order, "pm_card_visa").await;

    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    let intents = app.stripe.emulator.payment_intents();
    let refunds = app.stripe.emulator.refunds();
    assert_eq!(intents.len(), 1);
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["payment_intent"], intents[0]["id"]);
    assert_eq!(refunds[0]["amount"], 2000);
    let recorded = app
        .database
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT status FROM payments WHERE order_id = '{}'",
                id_of(&order)
            ),
        ))
        .await
        .unwrap()
        .expect("a payment row");
    assert_eq!(
        recorded.try_get::<String>("", "status").unwrap(),
        "refunded"
    );
    let cancelled = buyer_client
        .get(&format!("/api/orders/{}", id_of(&order)))
        .await
        .body;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        buyer_client.get("/api/tickets").await.body[0]["id"],
        ticket["id"]
    );
}

#[tokio::test]
async fn a_payment_racing_the_expiry_is_either_charged_and_complete_or_not_charged_and_cancelled() {
    let app = TestApp::spawn_with_hold(2).await;
    let mut races = Vec::new();
    for delay_ms in [1_700u64, 1_850, 1_950, 2_000, 2_050, 2_150] {
        let (buyer_client, _, order) =
            ordered_ticket(&app, &format!("Race {delay_ms}"), json!(10)).await;
        races.push((delay_ms, buyer_client, order));
    }

    let payments = races
        .iter_mut()
        .map(|(delay_ms, buyer_client, order)| async move {
            tokio::time::sleep(Duration::from_millis(*delay_ms)).await;
            pay(buyer_client, order, "pm_card_visa").await.status
        });
    let statuses = futures::future::join_all(payments).await;

    let intents = app.stripe.emulator.payment_intents();
    for ((delay_ms, buyer_client, order), status) in races.iter().zip(statuses) {
        let settled = settle(buyer_client, order).await;
        let charged = intents
            .iter()
            .any(|pi| pi["metadata"]["order_id"] == order["id"] && pi["status"] == "succeeded");
        match settled["status"].as_str() {
            Some("complete") => {
                assert_eq!(status, StatusCode::CREATED, "race at {delay_ms}ms");
                assert!(charged, "complete without a charge at {delay_ms}ms");
            }
            Some("cancelled") => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "race at {delay_ms}ms");
                assert!(!charged, "charged but cancelled at {delay_ms}ms");
            }
            other => panic!("order left {other:?} at {delay_ms}ms"),
        }
    }
}

/// The order once the saga has decided it.
async fn settle(buyer: &boxoffice_tests::ApiClient<'_>, order: &Value) -> Value {
    let path = format!("/api/orders/{}", id_of(order));
    boxoffice_tests::fixtures::eventually("the order to settle", Duration::from_secs(20), || {
        let (mut client, path) = (buyer.clone(), path.clone());
        async move {
            let body = client.get(&path).await.body;
            (body["status"] != "created").then_some(body)
        }
    })
    .await
}

#[tokio::test]
async fn each_charge_names_its_payment_method_and_reports_the_card_it_charged_for_support_staff() {
    let app = TestApp::spawn().await;
    let (mut buyer, _, order) = ordered_ticket(&app, "Labelled", json!(20)).await;
    let declined = pay(&mut buyer, &order, "pm_card_visa_chargeDeclined").await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
    let paid = pay(&mut buyer, &order, "pm_card_mastercard").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);

    let handle = app.saga_of(&order);
    let events = handle
        .fetch_history(temporalio_client::WorkflowFetchHistoryOptions::default())
        .into_events()
        .await
        .expect("history");
    let summaries: Vec<String> = events
        .iter()
        .filter_map(|event| event.user_metadata.as_ref()?.summary.as_ref())
        .filter_map(|payload| serde_json::from_slice::<String>(&payload.data).ok())
        .filter(|summary| summary.starts_with("charge"))
        .collect();
    assert_eq!(
        summaries,
        [
            "charge pm_card_visa_chargeDeclined, attempt 1",
            "charge pm_card_mastercard, attempt 2"
        ]
    );
    // A charge's outcome is an activity's result, or a local activity's (in its marker).
    let charged_cards: Vec<Value> = events
        .iter()
        .filter_map(|event| match &event.attributes {
            Some(Attributes::ActivityTaskCompletedEventAttributes(done)) => done.result.as_ref(),
            Some(Attributes::MarkerRecordedEventAttributes(marker)) => marker.details.get("result"),
            _ => None,
        })
        .filter_map(|result| {
            let outcome: Value = serde_json::from_slice(&result.payloads.first()?.data).ok()?;
            let (kind, fields) = outcome.as_object()?.iter().next()?;
            ["Charged", "Declined"]
                .contains(&kind.as_str())
                .then(|| fields["card"].clone())
        })
        .collect();
    assert_eq!(
        charged_cards,
        [
            json!({"brand": "visa", "last4": "0002"}),
            json!({"brand": "mastercard", "last4": "4444"})
        ]
    );
    let status = handle
        .query(
            PurchaseWorkflow::status,
            (),
            temporalio_client::WorkflowQueryOptions::default(),
        )
        .await
        .expect("the status query");
    assert_eq!(status.card.as_deref(), Some("mastercard ending 4444"));
}

#[tokio::test]
async fn a_cancel_sent_to_temporal_for_another_buyer_is_rejected_and_the_order_stays_held() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Guarded", json!(20)).await;
    let mut owner = buyer(&app).await;
    let order = order_for(&mut owner, &ticket).await;
    let stranger = UserId::new();

    // Straight to Temporal, past the gateway's ownership check, as whoever reaches the frontend.
    let rejected = app
        .state
        .temporal
        .get_workflow_handle::<PurchaseWorkflow>(format!("order-{}", id_of(&order)))
        .execute_update(
            PurchaseWorkflow::cancel,
            stranger,
            temporalio_client::WorkflowExecuteUpdateOptions::default(),
        )
        .await;

    match rejected {
        Err(temporalio_client::errors::WorkflowUpdateError::Failed(failure)) => {
            assert_eq!(
                failure.message,
                boxoffice_workflows::purchase::NOT_THE_BUYER
            );
        }
        other => panic!("the stranger's cancel was not rejected: {other:?}"),
    }
    let still = owner.get(&format!("/api/orders/{}", id_of(&order))).await;
    assert_eq!(still.body["status"], "created");
}
