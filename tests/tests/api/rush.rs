//! The on-sale rush: many buyers for few tickets in the same instant, and the shop under pressure.
//! Admission (a claim won with one conditional write) decides who may start a saga; losers never
//! reach Temporal; an overloaded shop answers 503 with `Retry-After`, never a 500.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_activities::store::orders::{self, NewOrder};
use boxoffice_api::backpressure::TemporalGate;
use boxoffice_api::passwords::PasswordHasher;
use boxoffice_domain::saga::ReserveRefusal;
use boxoffice_domain::{TicketId, UserId};
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket, order_for};
use boxoffice_tests::{CLAIM_LEASE, TestApp};
use serde_json::{Value, json};

const BUYERS: usize = 400;
const TICKETS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_of_400_buyers_for_20_tickets_holds_each_ticket_once_and_starts_a_workflow_per_winner()
 {
    let app = TestApp::spawn().await;
    let mut tickets = Vec::new();
    for n in 0..TICKETS {
        tickets.push(
            listed_ticket(&app, &format!("Front row #{n}"), json!(80))
                .await
                .1,
        );
    }
    let buyers = app.signed_in_buyers(BUYERS).await;

    let attempts = buyers.into_iter().enumerate().map(|(i, mut buyer)| {
        let ticket_id = tickets[i % TICKETS]["id"].clone();
        async move {
            let answer = buyer
                .post("/api/orders", json!({"ticketId": ticket_id.clone()}))
                .await;
            (ticket_id, answer)
        }
    });
    let answers = futures::future::join_all(attempts).await;

    let mut winners: HashMap<String, Vec<Value>> = HashMap::new();
    for (ticket_id, answer) in &answers {
        match answer.status {
            StatusCode::CREATED => winners
                .entry(ticket_id.as_str().unwrap().to_owned())
                .or_default()
                .push(answer.body.clone()),
            StatusCode::BAD_REQUEST => {
                assert_eq!(answer.error_messages(), ["Ticket is already reserved"]);
            }
            other => panic!("a buyer got {other}: {}", answer.body),
        }
    }
    assert_eq!(winners.len(), TICKETS, "every ticket has a winner");
    let mut anyone = app.anonymous();
    for (ticket_id, orders) in &winners {
        assert_eq!(orders.len(), 1, "ticket {ticket_id} was held twice");
        let ticket = anyone.get(&format!("/api/tickets/{ticket_id}")).await.body;
        assert_eq!(
            ticket["orderId"], orders[0]["id"],
            "held by its winner's order"
        );
    }
    assert_eq!(
        app.workflows_started(TICKETS).await,
        TICKETS,
        "one workflow per winner, none for the {} losers",
        BUYERS - TICKETS
    );
}

#[tokio::test]
async fn a_gateway_that_dies_after_winning_the_claim_keeps_the_ticket_only_until_the_lease_lapses()
{
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Encore", json!(45)).await;
    let ticket_id: TicketId = id_of(&ticket).parse().unwrap();
    let mut crashed = buyer(&app).await;
    let crashed_id: UserId = crashed.get("/api/users/currentuser").await.body["currentUser"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // The fault: a gateway wins the claim through the shop's own admission step, then dies before
    // it starts the saga.
    let admitted = app
        .state
        .purchases
        .admit(crashed_id, ticket_id)
        .await
        .expect("the claim is won");

    let mut next = buyer(&app).await;
    let during_lease = next
        .post("/api/orders", json!({"ticketId": ticket_id}))
        .await;
    during_lease.assert_error(StatusCode::BAD_REQUEST, ["Ticket is already reserved"]);
    assert_eq!(
        app.workflows_started(0).await,
        0,
        "the loser reached no saga"
    );

    tokio::time::sleep(CLAIM_LEASE + Duration::from_millis(500)).await;
    let order = order_for(&mut next, &ticket).await;

    // Should the dead gateway's saga start after all, it cannot hold the ticket a second time.
    let late = orders::reserve_ticket(
        &app.state.db,
        NewOrder {
            order_id: admitted.order_id,
            ticket_id,
            buyer_id: crashed_id,
            expires_at: chrono::Utc::now() + chrono::Duration::minutes(15),
        },
    )
    .await
    .expect("the database answers");
    assert_eq!(late, Err(ReserveRefusal::AlreadyReserved));
    let held = anyone_sees(&app, ticket_id).await;
    assert_eq!(held["orderId"], order["id"]);
}

#[tokio::test]
async fn when_temporal_is_saturated_an_order_is_answered_503_with_retry_after_and_the_ticket_stays_orderable()
 {
    // A gate with no room: every call to Temporal is shed, as when the server is saturated.
    let app = TestApp::spawn_customised(120, None, |state| {
        state.purchases.temporal_gate =
            TemporalGate::new(0, Duration::from_millis(50), Duration::from_millis(50));
    })
    .await;
    let (_, ticket) = listed_ticket(&app, "Matinee", json!(30)).await;
    let mut shopper = buyer(&app).await;

    let busy = shopper
        .post("/api/orders", json!({"ticketId": ticket["id"]}))
        .await;

    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.retry_after.as_deref(), Some("2"));
    assert_eq!(
        busy.error_messages(),
        ["The shop is busy; please try again in a few seconds"]
    );
    // Nothing was started, so the claim was given up at once: the ticket is not held or claimed.
    let ticket_id: TicketId = id_of(&ticket).parse().unwrap();
    let row = boxoffice_activities::store::tickets::find_ticket(&app.state.db, ticket_id)
        .await
        .unwrap();
    assert_eq!((row.order_id, row.claim_order_id), (None, None));
    let metrics = app.anonymous().get("/metrics").await.body;
    assert!(
        metrics
            .as_str()
            .unwrap()
            .contains("boxoffice_http_requests_shed_total{reason=\"temporal\"}"),
        "shed requests are counted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_up_burst_beyond_the_hashing_queue_is_answered_503_never_500() {
    let app = TestApp::spawn_customised(120, None, |state| {
        // No wait for a hashing thread: whatever the queue cannot take is shed at once.
        state.accounts.passwords = PasswordHasher::new(1, std::time::Duration::ZERO);
    })
    .await;

    let attempts = (0..60).map(|i| {
        let mut visitor = app.anonymous();
        async move {
            visitor
                .sign_up(&format!("burst-{i}@example.com"), "password123")
                .await
        }
    });
    let answers = futures::future::join_all(attempts).await;

    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    let busy: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(created + busy.len(), answers.len(), "only 201 or 503");
    assert!(created > 0 && !busy.is_empty(), "{created} created");
    assert!(busy.iter().all(|a| a.retry_after.as_deref() == Some("2")));
    // Once the burst has passed, the refused can sign up.
    let mut late = app.anonymous();
    let response = late
        .sign_up("after-the-burst@example.com", "password123")
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
}

async fn anyone_sees(app: &TestApp, ticket_id: TicketId) -> Value {
    app.anonymous()
        .get(&format!("/api/tickets/{ticket_id}"))
        .await
        .body
}
