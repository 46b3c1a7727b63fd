use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn healthz_answers_while_the_process_is_up() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn readyz_answers_when_database_and_temporal_are_reachable() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/readyz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({"status": "ready"}));
}

#[tokio::test]
async fn readyz_is_503_naming_the_database_when_it_is_gone() {
    let app = TestApp::spawn().await;
    let mut state = app.state.clone();
    state.db = boxoffice_activities::db::connect(&app.database.url)
        .await
        .unwrap();
    state.db.clone().close().await.unwrap();
    let router = boxoffice_api::app::router(state);

    use tower::ServiceExt;
    let response = router
        .oneshot(
            axum::http::Request::get("/readyz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body["errors"][0]["message"],
        "Not ready: database unreachable"
    );
}

#[tokio::test]
async fn a_burst_of_readiness_checks_costs_the_database_and_temporal_one_probe() {
    let app = TestApp::spawn().await;

    let checks = (0..100).map(|_| {
        let mut anyone = app.anonymous();
        async move { anyone.get("/readyz").await.status }
    });
    let answers = futures::future::join_all(checks).await;

    assert!(answers.iter().all(|status| *status == StatusCode::OK));
    // One probe answers everyone for a second; a burst that straddles a second boundary on a
    // loaded machine may take two.
    let probes = app.state.readiness.probes();
    assert!((1..=2).contains(&probes), "{probes} probes for 100 checks");
}
