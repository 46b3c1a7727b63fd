//! `GET /metrics`: Prometheus text with HTTP latency by route, the saga's outcomes and hold
//! durations, and the Temporal SDK's worker metrics. Metrics are per process and tests run at
//! once, so counts are compared before and after, never to exact totals.

use std::time::Duration;

use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{
    buyer, cancel, listed_ticket, order_for, order_reaches, pay_with_a_good_card,
};
use serde_json::json;

async fn scrape(app: &TestApp) -> String {
    let response = app.anonymous().get("/metrics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response
            .content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        response.content_type
    );
    response.body.as_str().expect("text").to_owned()
}

/// The value of the sample `name{labels}`, or 0 when it is not there yet.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

#[tokio::test]
async fn http_requests_are_timed_under_their_route_not_their_path() {
    let app = TestApp::spawn().await;
    let missing = uuid::Uuid::new_v4();
    app.anonymous()
        .get(&format!("/api/tickets/{missing}"))
        .await;
    app.anonymous().get("/").await;

    let text = scrape(&app).await;

    let api = r#"boxoffice_http_request_duration_seconds_count{method="GET",route="/api/tickets/{id}",status="404"}"#;
    let home =
        r#"boxoffice_http_request_duration_seconds_count{method="GET",route="/",status="200"}"#;
    assert!(sample(&text, api) >= 1.0, "{text}");
    assert!(sample(&text, home) >= 1.0, "{text}");
    assert!(
        !text.contains(&missing.to_string()),
        "ids must not become labels"
    );
}

#[tokio::test]
async fn orders_that_end_are_counted_by_outcome_with_how_long_they_were_held() {
    let app = TestApp::spawn().await;
    let complete = r#"boxoffice_orders_ended_total{outcome="complete"}"#;
    let cancelled = r#"boxoffice_orders_ended_total{outcome="cancelled"}"#;
    let held = r#"boxoffice_order_hold_duration_seconds_count{outcome="complete"}"#;
    let before = scrape(&app).await;

    let (_, paid_ticket) = listed_ticket(&app, "Counted", json!(10)).await;
    let (_, cancelled_ticket) = listed_ticket(&app, "Also counted", json!(10)).await;
    let mut shopper = buyer(&app).await;
    let paid_order = order_for(&mut shopper, &paid_ticket).await;
    pay_with_a_good_card(&mut shopper, &paid_order).await;
    let cancelled_order = order_for(&mut shopper, &cancelled_ticket).await;
    cancel(&mut shopper, &cancelled_order).await;
    order_reaches(&shopper, &paid_order, "complete", Duration::from_secs(10)).await;

    let after = scrape(&app).await;
    assert!(
        sample(&after, complete) >= sample(&before, complete) + 1.0,
        "{after}"
    );
    assert!(
        sample(&after, cancelled) >= sample(&before, cancelled) + 1.0,
        "{after}"
    );
    assert!(
        sample(&after, held) >= sample(&before, held) + 1.0,
        "{after}"
    );
}

#[tokio::test]
async fn the_temporal_sdks_worker_metrics_are_in_the_same_scrape() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Polled", json!(10)).await;
    let mut shopper = buyer(&app).await;
    order_for(&mut shopper, &ticket).await;

    let text = scrape(&app).await;

    for metric in [
        "temporal_num_pollers",
        "temporal_worker_task_slots_available",
        "temporal_workflow_task_schedule_to_start_latency",
    ] {
        assert!(
            text.lines().any(|line| line.starts_with(metric)),
            "{metric} missing from:\n{text}"
        );
    }
}
