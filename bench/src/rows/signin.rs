//! `signin`: a surge of sign-ins at the same instant (argon2id is deliberately expensive), the
//! shop's memory after it, and the hashing pool's: sized as for a 64-core node with a 512 MiB
//! limit (the bench starts `dev` so), its buffers' peak must stay within its budget.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::{progress, warm_connections};
use crate::http::Shop;
use crate::report::{Row, Samples};

/// Every account signs in at the same instant; then the shop's memory after a rest.
pub async fn surge(
    shop: &Shop,
    emails: &[String],
    rss_mib: impl Fn() -> Option<f64>,
    rest: Duration,
) -> anyhow::Result<Row> {
    warm_connections(shop, emails.len()).await?;
    let rss_before = rss_mib();
    progress(format!("signin: {} sign-ins at once", emails.len()));
    let gate = Arc::new(tokio::sync::Barrier::new(emails.len() + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for email in emails {
        let (shop, email, gate) = (shop.clone(), email.clone(), gate.clone());
        tasks.spawn(async move {
            gate.wait().await;
            shop.sign_in(&email).await
        });
    }
    gate.wait().await;
    let burst = Instant::now();
    let (mut ok, mut ok_within_15_s, mut busy, mut busy_without_retry_after, mut other) =
        (0, 0, 0, 0, 0);
    let mut latencies = Samples::default();
    let mut peak = rss_before;
    while let Some(joined) = tasks.join_next().await {
        peak = higher(peak, rss_mib());
        match joined? {
            Ok((answer, _)) => {
                latencies.push(answer.took);
                match answer.status {
                    StatusCode::OK => {
                        ok += 1;
                        if answer.took <= Duration::from_secs(15) {
                            ok_within_15_s += 1;
                        }
                    }
                    StatusCode::SERVICE_UNAVAILABLE if answer.retry_after.is_some() => busy += 1,
                    StatusCode::SERVICE_UNAVAILABLE => busy_without_retry_after += 1,
                    _ => other += 1,
                }
            }
            Err(_) => other += 1,
        }
    }
    let elapsed = burst.elapsed();
    peak = higher(peak, rss_mib());
    tokio::time::sleep(rest).await;
    let rested = rss_mib();
    let mib = |bytes: f64| bytes / f64::from(1 << 20);
    let hashing_threads = shop.metric("boxoffice_password_hashing_threads").await?;
    let hashing_budget = shop
        .metric("boxoffice_password_hashing_memory_budget_bytes")
        .await?;
    let hashing_peak = shop
        .metric("boxoffice_password_hashing_memory_peak_bytes")
        .await?;
    Ok(Row::new(
        "signin",
        format!(
            "{} POST /api/users/signin at once (argon2id), then {} s idle",
            emails.len(),
            rest.as_secs()
        ),
    )
    .latencies(&latencies)
    .rate(ok as f64 / elapsed.as_secs_f64(), "sign-ins/s")
    .figure("200", ok)
    .figure("200 within 15 s", ok_within_15_s)
    .figure("503 + Retry-After", busy)
    .figure("503 without Retry-After", busy_without_retry_after)
    .figure("other", other)
    .figure("RSS before MiB", rss_before.unwrap_or_default())
    .figure("RSS peak MiB", peak.unwrap_or_default())
    .figure("RSS after idle MiB", rested.unwrap_or_default())
    .figure("hashing threads", hashing_threads)
    .figure("hashing budget MiB", mib(hashing_budget))
    .figure("hashing peak MiB", mib(hashing_peak))
    .figure(
        "hashing peak within budget",
        if hashing_peak <= hashing_budget {
            "yes"
        } else {
            "NO"
        },
    ))
}

fn higher(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
