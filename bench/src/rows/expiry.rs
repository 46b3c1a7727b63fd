//! `expiry`: how late after its deadline an unpaid hold's ticket is for sale again, when hundreds
//! of holds end within the same few seconds.
//!
//! The shop starts workflows at a few dozen a second, so holds placed in one go would end just as
//! spread out. Instead they are placed in waves, each through a gateway of its own (`boxoffice
//! serve` beside dev, same database and worker) whose hold is shortened by the time since the
//! first wave began: every hold ends within the few seconds one wave takes to place.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;

use super::{expect, list_tickets, progress, run_concurrently, sign_up_many};
use crate::http::{self, Session, Shop, id_of};
use crate::process::{self, RunningShop, ShopPlan};
use crate::report::{Row, Samples};

/// An unpaid hold the row watches.
pub struct Hold {
    ticket: String,
    order: String,
    expires_at: DateTime<Utc>,
}

/// What the expiry row leaves for the rows after it.
pub struct Expiries {
    pub row: Row,
    pub order_ids: Vec<String>,
    /// Every hold's deadline, for `expiry-baseline` to reproduce.
    pub schedule: Vec<DateTime<Utc>>,
}

/// How the holds are placed.
pub struct ExpiryPlan {
    pub holds: usize,
    pub waves: usize,
    /// The first wave's hold, in seconds; it must outlast placing every wave.
    pub hold_secs: u64,
}

/// Places the holds in waves timed to end together, then watches them end.
pub async fn holds_ending_together(
    plan: &ShopPlan,
    shop: &Shop,
    seller: &Session,
    expiry: &ExpiryPlan,
) -> anyhow::Result<Expiries> {
    let first_wave = Instant::now();
    let per_wave = expiry.holds.div_ceil(expiry.waves);
    let mut holds = Vec::new();
    for wave in 0..expiry.waves {
        let hold_secs = expiry
            .hold_secs
            .saturating_sub(first_wave.elapsed().as_secs())
            .max(1);
        progress(format!(
            "expiry: wave {} of {}, {per_wave} holds of {hold_secs} s",
            wave + 1,
            expiry.waves
        ));
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], process::unclaimed_port()?));
        let gateway = RunningShop::gateway(plan, addr, hold_secs).await?;
        let through = http::Shop::new(&format!("http://{addr}"))?;
        let wave_holds = place_holds(&through, shop, seller, per_wave).await;
        gateway.stop();
        holds.extend(wave_holds?);
    }
    let how = format!(
        "{} unpaid holds, placed in {} waves timed to end together ({} s hold for the first)",
        holds.len(),
        expiry.waves,
        expiry.hold_secs
    );
    watch(shop, holds, how).await
}

/// Places `n` holds `through` a gateway, as fast as it takes them; the tickets and buyers are
/// made on `shop`.
async fn place_holds(
    through: &Shop,
    shop: &Shop,
    seller: &Session,
    n: usize,
) -> anyhow::Result<Vec<Hold>> {
    let tickets = list_tickets(shop, seller, "Expiry", n).await?;
    // A buyer holds at most a few tickets at once; spread the holds.
    let buyers = sign_up_many(shop, "expiry", n.div_ceil(3)).await?;
    let (results, _) = run_concurrently(n, 50, |i| {
        let (buyer, ticket) = (&buyers[i / 3], tickets[i].clone());
        async move {
            let answer = through.order(buyer, &ticket).await?;
            expect(&answer, StatusCode::CREATED, "order")?;
            let expires_at: DateTime<Utc> = answer.body["expiresAt"]
                .as_str()
                .context("expiresAt")?
                .parse()?;
            Ok(Hold {
                ticket,
                order: id_of(&answer.body)?,
                expires_at,
            })
        }
    })
    .await;
    results.into_iter().collect()
}

/// How late after `expiresAt` each held ticket is for sale again.
async fn watch(shop: &Shop, holds: Vec<Hold>, how: String) -> anyhow::Result<Expiries> {
    let schedule: Vec<DateTime<Utc>> = holds.iter().map(|hold| hold.expires_at).collect();
    let densest = densest_window(schedule.iter().copied(), 5);
    progress("expiry: waiting for the holds to end");
    let mut waiting: BTreeMap<String, DateTime<Utc>> = holds
        .iter()
        .map(|hold| (hold.ticket.clone(), hold.expires_at))
        .collect();
    // The watched tickets are the newest in the catalog, so once for sale again they are all
    // within its first pages (100 a page): nothing else need be read, however big the catalog.
    let pages = holds.len().div_ceil(100);
    let mut lateness = Samples::default();
    let mut early = 0;
    let last_due = waiting.values().max().copied().unwrap_or_else(Utc::now);
    let give_up = last_due + chrono::Duration::seconds(60);
    while !waiting.is_empty() && Utc::now() < give_up {
        // One look at the listing a round: a probe per ticket would itself load the shop once
        // hundreds are due.
        let (for_sale, seen) = newest_for_sale(shop, pages).await?;
        for ticket in for_sale {
            if let Some(expires_at) = waiting.remove(&ticket) {
                match (seen - expires_at).to_std() {
                    Ok(late) => lateness.push(late),
                    Err(_) => early += 1,
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let row = Row::new(
        "expiry",
        format!(
            "{how}; latency = when the listing first showed the ticket for sale again minus expiresAt (listing read every ~50 ms)"
        ),
    )
    .latencies(&lateness)
    .figure("ending in the densest 5 s", densest)
    .figure("never freed", waiting.len())
    .figure("freed early", early);
    Ok(Expiries {
        row,
        order_ids: holds.into_iter().map(|hold| hold.order).collect(),
        schedule,
    })
}

/// The ids of the tickets on the listing's first `pages` pages (following its `Link: rel="next"`),
/// and when the answer came.
async fn newest_for_sale(
    shop: &Shop,
    pages: usize,
) -> anyhow::Result<(Vec<String>, DateTime<Utc>)> {
    let mut ids = Vec::new();
    let mut next = Some("/api/tickets".to_owned());
    for _ in 0..pages {
        let Some(path) = next.take() else { break };
        let page = shop.get(None, &path).await?;
        expect(&page, StatusCode::OK, "the listing")?;
        let tickets = page.body.as_array().context("the listing is an array")?;
        ids.extend(
            tickets
                .iter()
                .filter_map(|t| t["id"].as_str().map(str::to_owned)),
        );
        next = page.next_page;
    }
    Ok((ids, Utc::now()))
}

/// The most instants that fall within any `window_secs`-second window.
pub fn densest_window(instants: impl Iterator<Item = DateTime<Utc>>, window_secs: i64) -> usize {
    let mut sorted: Vec<DateTime<Utc>> = instants.collect();
    sorted.sort();
    let window = chrono::Duration::seconds(window_secs);
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] > window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}
