//! The bench's rows, one module per family. Each drives the running shop through its HTTP API (or,
//! for the baselines, Temporal directly) and measures what a user would feel; the helpers here are
//! what they share.

pub mod actions;
pub mod baseline;
pub mod catalog;
pub mod expiry;
pub mod mail;
pub mod purchase;
pub mod rush;
pub mod signin;
pub mod storefront;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use futures::StreamExt;
use reqwest::StatusCode;

use super::http::{Answer, Session, Shop};
use super::report::Samples;

/// Concurrency of set-up work (sign-ups, listings): enough to be quick, not enough to be a test.
const SETUP_CONCURRENCY: usize = 8;

/// Prints progress on stderr; the figures go to stdout.
pub fn progress(message: impl std::fmt::Display) {
    eprintln!("[bench] {message}");
}

/// Runs `operation(0..n)` with at most `concurrency` in flight; returns each result in order of
/// completion and the wall time of the whole batch.
pub async fn run_concurrently<T, F, Fut>(
    n: usize,
    concurrency: usize,
    operation: F,
) -> (Vec<anyhow::Result<T>>, Duration)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let started = Instant::now();
    let results = futures::stream::iter(0..n)
        .map(operation)
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    (results, started.elapsed())
}

/// Accounts, each with a unique email.
pub async fn sign_up_many(shop: &Shop, prefix: &str, n: usize) -> anyhow::Result<Vec<Session>> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (results, _) = run_concurrently(n, SETUP_CONCURRENCY, |i| {
        let email = format!("{prefix}-{i}-{}@bench.example", &run[..8]);
        async move { shop.sign_up(&email).await }
    })
    .await;
    results.into_iter().collect()
}

/// `n` tickets listed by `seller` through the shop.
pub async fn list_tickets(
    shop: &Shop,
    seller: &Session,
    label: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let (results, _) = run_concurrently(n, SETUP_CONCURRENCY, |i| {
        let title = format!("{label} #{i}");
        async move { shop.sell(seller, &title, 25.0 + (i % 50) as f64).await }
    })
    .await;
    results.into_iter().collect()
}

/// Opens `n` keep-alive connections (they stay in the client's pool), so a burst measures the
/// shop rather than a storm of TCP handshakes: buyers in a rush already have the page open.
async fn warm_connections(shop: &Shop, n: usize) -> anyhow::Result<()> {
    let gate = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (shop, gate) = (shop.clone(), gate.clone());
        tasks.spawn(async move {
            gate.wait().await;
            shop.get(None, "/healthz").await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(())
}

fn expect(answer: &Answer, status: StatusCode, what: &str) -> anyhow::Result<()> {
    if answer.status != status {
        bail!("{what}: {} {}", answer.status, answer.body);
    }
    Ok(())
}

/// The latencies of the operations that succeeded; an error if none did.
fn successes(results: Vec<anyhow::Result<Duration>>) -> anyhow::Result<Samples> {
    let mut samples = Samples::default();
    let mut first_error = None;
    for result in results {
        match result {
            Ok(latency) => samples.push(latency),
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    match first_error {
        Some(err) if samples.is_empty() => Err(err),
        Some(err) => {
            progress(format!("some operations failed, e.g.: {err:#}"));
            Ok(samples)
        }
        None => Ok(samples),
    }
}

fn ms(latency: Option<Duration>) -> f64 {
    latency.map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
