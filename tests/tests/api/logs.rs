//! Gateway logs: every line a request about an order writes names the order and its workflow, so
//! support can go from a log line straight to the workflow in the Temporal UI.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use boxoffice_tests::TestApp;
use boxoffice_tests::fixtures::{buyer, id_of, listed_ticket};
use serde_json::{Value, json};

/// Collects the JSON log lines written while it is the thread's subscriber.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().expect("log buffer").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON log line"))
            .collect()
    }
}

#[tokio::test]
async fn every_log_line_of_a_request_about_an_order_names_the_order_and_its_workflow() {
    let app = TestApp::spawn().await;
    let (_, ticket) = listed_ticket(&app, "Logged", json!(10)).await;
    let mut shopper = buyer(&app).await;
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();

    let order = {
        // The test runtime is single-threaded, so the gateway logs on this thread.
        let _capture = tracing::subscriber::set_default(subscriber);
        let placed = shopper
            .post("/api/orders", json!({"ticketId": ticket["id"]}))
            .await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let order = placed.body;
        shopper.get(&format!("/api/orders/{}", id_of(&order))).await;
        let cancelled = shopper
            .delete(&format!("/api/orders/{}", id_of(&order)))
            .await;
        assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
        order
    };

    let order_id = id_of(&order);
    let about_the_order: Vec<Value> = logs
        .lines()
        .into_iter()
        .filter(|line| {
            let path = line["span"]["path"].as_str().unwrap_or("");
            path == "/api/orders" || path.ends_with(order_id)
        })
        .collect();
    assert!(about_the_order.len() >= 3, "{about_the_order:#?}");
    for line in &about_the_order {
        assert_eq!(line["span"]["order_id"], order_id, "{line}");
        assert_eq!(
            line["span"]["workflow_id"],
            format!("order-{order_id}"),
            "{line}"
        );
    }
}
