//! Recorded histories of real runs, replayed against the current workflow code. A change to
//! `PurchaseWorkflow` that would break orders already in flight fails here, before it deploys.
//!
//! Each scenario runs for real, replays its own fresh history, and — with
//! `BOXOFFICE_RECORD_HISTORIES=1` — saves it under `tests/histories/` as a fixture.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket, order_for, order_reaches, pay};
use boxoffice_workflows::{PurchaseWorkflow, workflow_id};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowGetResultOptions, WorkflowHistory};
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("histories")
}

async fn replay(history_json: &[u8]) -> Result<(), String> {
    let options = WorkflowReplayerOptions::new()
        .register_workflow::<PurchaseWorkflow>()
        .map_err(|err| err.to_string())?
        .build();
    let replayer = WorkflowReplayer::new(options).map_err(|err| err.to_string())?;
    let history = WorkflowHistory::from_json(history_json).map_err(|err| err.to_string())?;
    replayer
        .replay_workflow(history)
        .await
        .map_err(|err| err.to_string())
}

/// Waits for the order's workflow to finish, replays its history, and keeps it if asked to.
async fn replays_and_is_kept(app: &TestApp, order: &Value, name: &str) {
    let order_id: uuid::Uuid = id_of(order).parse().unwrap();
    let handle = app
        .state
        .temporal
        .get_workflow_handle::<PurchaseWorkflow>(workflow_id(order_id));
    tokio::time::timeout(
        Duration::from_secs(30),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("workflow finished in time")
    .expect("workflow completed");
    let history = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .expect("history as JSON");

    replay(&history)
        .await
        .unwrap_or_else(|err| panic!("{name}: fresh history does not replay: {err}"));
    if std::env::var_os("BOXOFFICE_RECORD_HISTORIES").is_some() {
        std::fs::write(fixtures_dir().join(format!("{name}.json")), &history).unwrap();
    }
}

#[tokio::test]
async fn a_paid_order_replays() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Happy path", json!(20)).await;
    let mut buyer_client = buyer(&app).await;
    let order = order_for(&mut buyer_client, &ticket).await;
    assert_eq!(
        pay(&mut buyer_client, &order, "pm_card_visa").await.status,
        StatusCode::CREATED
    );
    replays_and_is_kept(&app, &order, "happy_path").await;
}

#[tokio::test]
async fn a_declined_then_paid_order_replays() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Decline then pay", json!(20)).await;
    let mut buyer_client = buyer(&app).await;
    let order = order_for(&mut buyer_client, &ticket).await;
    let declined = pay(&mut buyer_client, &order, "pm_card_visa_chargeDeclined").await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        pay(&mut buyer_client, &order, "pm_card_visa").await.status,
        StatusCode::CREATED
    );
    replays_and_is_kept(&app, &order, "decline_then_pay").await;
}

#[tokio::test]
async fn an_expired_order_replays() {
    let app = TestApp::spawn_with_hold(2).await;
    let (_, ticket) = listed_ticket(&app, "Expiry", json!(20)).await;
    let mut buyer_client = buyer(&app).await;
    let order = order_for(&mut buyer_client, &ticket).await;
    order_reaches(&buyer_client, &order, "cancelled", Duration::from_secs(20)).await;
    replays_and_is_kept(&app, &order, "expiry").await;
}

#[tokio::test]
async fn a_cancelled_order_replays() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Cancel", json!(20)).await;
    let mut buyer_client = buyer(&app).await;
    let order = order_for(&mut buyer_client, &ticket).await;
    let cancelled = buyer_client
        .delete(&format!("/api/orders/{}", id_of(&order)))
        .await;
    assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
    replays_and_is_kept(&app, &order, "cancel").await;
}

#[tokio::test]
async fn a_refunded_order_replays() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Refund", json!(20)).await;
    let mut buyer_client = buyer(&app).await;
    let order = order_for(&mut buyer_client, &ticket).await;
    app.database
        .db
        .execute_unprepared(&format!(
            "UPDATE orders SET status = 'awaiting:payment' WHERE id = '{}'",
            id_of(&order)
        ))
        .await
        .unwrap();
    assert_eq!(
        pay(&mut buyer_client, &order, "pm_card_visa").await.status,
        StatusCode::BAD_REQUEST
    );
    replays_and_is_kept(&app, &order, "refund_compensation").await;
}

#[tokio::test]
async fn every_recorded_history_replays_against_the_current_workflow() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let json = std::fs::read(&path).unwrap();
            replay(&json)
                .await
                .unwrap_or_else(|err| panic!("{} does not replay: {err}", path.display()));
            names.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "cancel",
            "decline_then_pay",
            "expiry",
            "happy_path",
            "refund_compensation"
        ]
    );
}
