//! Recorded histories of real runs, replayed against the current workflow code. A change to
//! `PurchaseWorkflow` that would break orders already in flight fails here, before it deploys.
//!
//! Each scenario runs for real, replays its own fresh history, and — with
//! `BOXOFFICE_RECORD_HISTORIES=1` — saves it under `tests/histories/` as a fixture.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_runtime::replay::{NamedHistory, histories_at, replay_all, to_proto3_json};
use boxoffice_runtime::temporal_server::find_cli;
use boxoffice_tests::fixtures::{
    cancel, id_of, make_completion_impossible, order_reaches, ordered_ticket, paid_order,
    paid_order_and_staff, paid_order_refunded_at_stripe, pay, pay_with_a_good_card, staff_refund,
};
use boxoffice_tests::{TestApp, shared_temporal};
use boxoffice_workflows::RefundWorkflow;
use serde_json::{Value, json};
use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowGetResultOptions, WorkflowHistory};
use temporalio_common::protos::temporal::api::history::v1::History;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("histories")
}

/// Replays one history the way `boxoffice replay` does.
async fn replay(history_json: &[u8]) -> Result<(), String> {
    let history = NamedHistory {
        name: "history".to_owned(),
        json: history_json.to_vec(),
    };
    let outcome = replay_all(vec![history])
        .await
        .map_err(|err| err.to_string())?;
    match outcome.into_iter().next().and_then(|o| o.failure) {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// Waits for the order's workflow to finish, replays its history, and keeps it if asked to.
async fn replays_and_is_kept(app: &TestApp, order: &Value, name: &str) {
    let handle = app.saga_of(order);
    tokio::time::timeout(
        Duration::from_secs(30),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .expect("workflow finished in time")
    .expect("workflow completed");
    replays_and_is_kept_as(
        handle.fetch_history(WorkflowFetchHistoryOptions::default()),
        name,
    )
    .await;
}

/// The order's finished `RefundWorkflow`: replays its history, and keeps it if asked to.
async fn refund_replays_and_is_kept(app: &TestApp, order: &Value, name: &str) {
    let handle = app.state.temporal.get_workflow_handle::<RefundWorkflow>(
        boxoffice_workflows::refund::start::workflow_id(id_of(order).parse().unwrap()),
    );
    replays_and_is_kept_as(
        handle.fetch_history(WorkflowFetchHistoryOptions::default()),
        name,
    )
    .await;
}

/// Replays a fetched history, and keeps it if asked to.
async fn replays_and_is_kept_as(history: WorkflowHistory, name: &str) {
    let history = history.to_json().await.expect("history as JSON");
    replay(&history)
        .await
        .unwrap_or_else(|err| panic!("{name}: fresh history does not replay: {err}"));
    if std::env::var_os("BOXOFFICE_RECORD_HISTORIES").is_some() {
        std::fs::write(fixtures_dir().join(format!("{name}.json")), history).unwrap();
    }
}

#[tokio::test]
async fn a_paid_order_replays() {
    let app = TestApp::spawn().await;
    let (_, _, order) = paid_order(&app, "Happy path").await;
    replays_and_is_kept(&app, &order, "happy_path").await;
}

#[tokio::test]
async fn a_declined_then_paid_order_replays() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Decline then pay", json!(20)).await;
    let declined = pay(&mut buyer_client, &order, "pm_card_visa_chargeDeclined").await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
    pay_with_a_good_card(&mut buyer_client, &order).await;
    replays_and_is_kept(&app, &order, "decline_then_pay").await;
}

#[tokio::test]
async fn an_expired_order_replays() {
    let app = TestApp::spawn_with_hold(2).await;
    let (buyer_client, _, order) = ordered_ticket(&app, "Expiry", json!(20)).await;
    order_reaches(&buyer_client, &order, "cancelled", Duration::from_secs(20)).await;
    replays_and_is_kept(&app, &order, "expiry").await;
}

#[tokio::test]
async fn a_cancelled_order_replays() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Cancel", json!(20)).await;
    cancel(&mut buyer_client, &order).await;
    replays_and_is_kept(&app, &order, "cancel").await;
}

#[tokio::test]
async fn a_refunded_order_replays() {
    let app = TestApp::spawn().await;
    let (mut buyer_client, _, order) = ordered_ticket(&app, "Refund", json!(20)).await;
    make_completion_impossible(&app, &order).await;
    assert_eq!(
        pay(&mut buyer_client, &order, "pm_card_visa").await.status,
        StatusCode::BAD_REQUEST
    );
    replays_and_is_kept(&app, &order, "refund_compensation").await;
}

#[tokio::test]
async fn a_refund_by_staff_replays() {
    let app = TestApp::spawn().await;
    let (mut staff, order) = paid_order_and_staff(&app, "Staff refund").await;
    let refunded = staff_refund(&mut staff, &order, "Customer cannot attend").await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.body);
    refund_replays_and_is_kept(&app, &order, "refund_by_staff").await;
}

#[tokio::test]
async fn a_refund_stripe_refused_replays() {
    let app = TestApp::spawn().await;
    let (mut staff, order) = paid_order_refunded_at_stripe(&app, "Refused refund").await;
    let refused = staff_refund(&mut staff, &order, "Customer asked").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    refund_replays_and_is_kept(&app, &order, "refund_refused_by_stripe").await;
}

#[tokio::test]
async fn every_recorded_history_replays_against_the_current_workflow() {
    let outcomes = replay_all(histories_at(&fixtures_dir()).unwrap())
        .await
        .unwrap();

    for outcome in &outcomes {
        assert_eq!(outcome.failure, None, "{} does not replay", outcome.name);
    }
    let mut names: Vec<String> = outcomes
        .iter()
        .map(|o| {
            Path::new(&o.name)
                .strip_prefix(fixtures_dir())
                .unwrap()
                .with_extension("")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let scenarios = [
        "cancel",
        "decline_then_pay",
        "expiry",
        "happy_path",
        "refund_compensation",
    ];
    let before_card_summary = scenarios.map(|name| format!("before-card-summary/{name}"));
    let before_lean_saga = scenarios.map(|name| format!("before-lean-saga/{name}"));
    // Staff refunds (`RefundWorkflow`) came after both purchase-saga patches.
    let refunds = ["refund_by_staff", "refund_refused_by_stripe"];
    let mut expected: Vec<String> = before_card_summary
        .into_iter()
        .chain(before_lean_saga)
        .chain(scenarios.map(str::to_owned))
        .chain(refunds.map(str::to_owned))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn a_history_the_code_no_longer_matches_fails_replay_naming_the_workflow_and_the_mismatch() {
    // As if the workflow now scheduled a different activity than the one recorded.
    let recorded =
        std::fs::read_to_string(fixtures_dir().join("refund_compensation.json")).unwrap();
    let changed = recorded.replacen(
        "\"PurchaseActivities::refund\"",
        "\"PurchaseActivities::refund_v0\"",
        1,
    );
    assert_ne!(recorded, changed);

    let outcomes = replay_all(vec![NamedHistory {
        name: "changed".to_owned(),
        json: changed.into_bytes(),
    }])
    .await
    .unwrap();

    let failure = outcomes[0].failure.as_deref().expect("replay must fail");
    assert!(failure.contains("Nondeterminism"), "{failure}");
    assert!(
        failure.contains("PurchaseActivities::refund_v0"),
        "{failure}"
    );
    assert!(
        outcomes[0]
            .workflow_id
            .as_deref()
            .unwrap()
            .starts_with("order-")
    );
}

#[tokio::test]
async fn a_history_shown_by_the_temporal_cli_as_proto3_json_replays() {
    let app = TestApp::spawn().await;
    let (buyer_client, _, order) = paid_order(&app, "Downloaded").await;
    order_reaches(&buyer_client, &order, "complete", Duration::from_secs(20)).await;
    let workflow = format!("order-{}", id_of(&order));

    // What support staff download: `temporal workflow show --output json`, like the Web UI.
    let shown = std::process::Command::new(find_cli().expect("the temporal CLI"))
        .args([
            "workflow",
            "show",
            "--workflow-id",
            &workflow,
            "--output",
            "json",
        ])
        .args(["--address", shared_temporal()])
        .output()
        .expect("run temporal workflow show");
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("\"eventId\""), "not proto3 JSON: {text}");

    replay(&shown.stdout)
        .await
        .unwrap_or_else(|err| panic!("the CLI's history does not replay: {err}"));
}

#[tokio::test]
async fn every_recorded_history_replays_from_proto3_json_too() {
    for recorded in histories_at(&fixtures_dir()).unwrap() {
        let history: History = serde_json::from_slice(&recorded.json).unwrap();
        let proto3 = to_proto3_json(&history).unwrap();
        assert!(String::from_utf8_lossy(&proto3).contains("\"eventType\":\"EVENT_TYPE_"));

        replay(&proto3)
            .await
            .unwrap_or_else(|err| panic!("{} as proto3 JSON: {err}", recorded.name));
    }
}

#[tokio::test]
async fn a_history_as_the_web_ui_serves_it_replays() {
    // The UI's history endpoint answers `{"history": {"events": […]}}` in proto3 JSON.
    let recorded = &histories_at(&fixtures_dir()).unwrap()[0];
    let history: History = serde_json::from_slice(&recorded.json).unwrap();
    let proto3: Value = serde_json::from_slice(&to_proto3_json(&history).unwrap()).unwrap();
    let from_the_ui = serde_json::to_vec(&json!({ "history": proto3 })).unwrap();

    replay(&from_the_ui)
        .await
        .unwrap_or_else(|err| panic!("{} as the UI serves it: {err}", recorded.name));
}

#[tokio::test]
async fn a_proto3_history_with_an_event_this_build_cannot_read_is_refused() {
    for (json, says) in [
        (
            r#"{"events":[{"eventId":"1","eventType":"EVENT_TYPE_FROM_THE_FUTURE","workflowExecutionStartedEventAttributes":{}}]}"#,
            "event 1",
        ),
        (
            r#"{"events":[{"eventId":"1","eventType":"EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"}]}"#,
            "event 1",
        ),
        (r#"{"events":[]}"#, "no events"),
        (r#"{"events":"#, "not a proto3 JSON history"),
    ] {
        let failure = replay(json.as_bytes()).await.expect_err(json);
        assert!(failure.contains("unreadable history"), "{failure}");
        assert!(failure.contains(says), "{json}: {failure}");
    }
}
