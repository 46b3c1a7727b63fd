//! Prometheus metrics at `GET /metrics`: HTTP latency by route, the saga's outcomes and hold
//! durations (recorded by the activities), and the Temporal SDK's own worker metrics.
//!
//! The SDK keeps its metrics in a registry of its own behind a Prometheus exporter; the worker runs
//! that exporter on a loopback port for as long as it runs, and `/metrics` appends what it serves,
//! so one scrape sees everything.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    HistogramVec, IntCounterVec, IntGauge, TextEncoder, register_histogram_vec,
    register_int_counter_vec, register_int_gauge,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static HTTP_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "boxoffice_http_request_duration_seconds",
        "Time to answer HTTP requests, by method, route and status",
        &["method", "route", "status"],
        vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0
        ]
    )
    .expect("registered once")
});

static REQUESTS_SHED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "boxoffice_http_requests_shed_total",
        "Requests answered 503 + Retry-After because what they needed was saturated",
        &["reason"]
    )
    .expect("registered once")
});

static HASHING_GAUGES: LazyLock<[IntGauge; 4]> = LazyLock::new(|| {
    let gauge = |name: &str, help: &str| register_int_gauge!(name, help).expect("registered once");
    [
        gauge(
            "boxoffice_password_hashing_threads",
            "Threads hashing passwords (sized for the CPUs and memory the process may use)",
        ),
        gauge(
            "boxoffice_password_hashing_memory_budget_bytes",
            "Bytes the hashing threads' buffers may take together",
        ),
        gauge(
            "boxoffice_password_hashing_memory_bytes",
            "Bytes the hashing threads' buffers take now",
        ),
        gauge(
            "boxoffice_password_hashing_memory_peak_bytes",
            "Bytes the hashing threads' buffers took at most",
        ),
    ]
});

/// The password hashing pool's size, budget and memory (now and at most).
pub fn password_hashing(threads: usize, budget: usize, now: usize, peak: usize) {
    let [threads_gauge, budget_gauge, now_gauge, peak_gauge] = &*HASHING_GAUGES;
    for (gauge, value) in [
        (threads_gauge, threads),
        (budget_gauge, budget),
        (now_gauge, now),
        (peak_gauge, peak),
    ] {
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
    }
}

/// Counts a request shed under load (`reason`: temporal, database or passwords).
pub fn request_shed(reason: &str) {
    REQUESTS_SHED.with_label_values(&[reason]).inc();
}

/// Where the Temporal SDK exporter of this process's worker listens, if it runs one. Set once
/// the worker starts; `/metrics` appends what it serves.
#[derive(Debug, Clone, Default)]
pub struct SdkMetrics(Arc<Mutex<Option<SocketAddr>>>);

impl SdkMetrics {
    pub fn set(&self, exporter: SocketAddr) {
        *self.lock() = Some(exporter);
    }

    fn get(&self) -> Option<SocketAddr> {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<SocketAddr>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Middleware: times each request under its route template (`/api/orders/{id}`), never the raw
/// path, so ids do not explode the label set.
/// Known methods by name, anything else as `other`: a client must not grow the label set.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn record_http(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    HTTP_DURATION
        .with_label_values(&[method, route.as_str(), response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn serve(State(sdk): State<SdkMetrics>) -> Response {
    let mut text = String::new();
    if let Err(err) = TextEncoder::new().encode_utf8(&prometheus::gather(), &mut text) {
        tracing::warn!(error = %err, "cannot encode metrics");
    }
    if let Some(addr) = sdk.get() {
        match scrape(addr).await {
            Ok(sdk) => text.push_str(&sdk),
            Err(err) => {
                tracing::warn!(%addr, error = %err, "cannot read the Temporal SDK's metrics")
            }
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// One plain HTTP/1.0 GET of the SDK exporter on loopback.
async fn scrape(addr: SocketAddr) -> std::io::Result<String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(3), exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))??;
    let text = String::from_utf8_lossy(&response);
    match text.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.") && head.contains(" 200 ") => {
            Ok(body.to_owned())
        }
        _ => Err(std::io::Error::other("unexpected answer")),
    }
}
