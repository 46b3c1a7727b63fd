//! `rush`: an on-sale. Every buyer orders at the same instant, many per ticket; what must hold is
//! that every ticket is held by exactly one winner, nobody gets a 500, and a 503 goes only to
//! buyers of a ticket someone holds (a ticket left unheld behind a 503 is a sale lost).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use temporalio_client::{Client, WorkflowCountOptions};

use super::{list_tickets, ms, progress, warm_connections};
use crate::http::{Session, Shop, id_of};
use crate::report::{Row, Samples};

/// Every buyer orders at the same instant, `buyers / tickets` per ticket.
pub async fn on_sale(
    shop: &Shop,
    temporal: &Client,
    seller: &Session,
    buyers: &[Session],
    tickets: usize,
) -> anyhow::Result<Row> {
    let ticket_ids = list_tickets(shop, seller, "Rush", tickets).await?;
    warm_connections(shop, buyers.len()).await?;
    let before = purchase_workflows(temporal).await?;
    let shed_before = shop.shed_counts().await?;
    progress(format!(
        "rush: {} buyers for {tickets} tickets at once",
        buyers.len()
    ));
    let gate = Arc::new(tokio::sync::Barrier::new(buyers.len() + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, buyer) in buyers.iter().enumerate() {
        let (shop, buyer, gate) = (shop.clone(), buyer.clone(), gate.clone());
        let ticket = ticket_ids[i % ticket_ids.len()].clone();
        tasks.spawn(async move {
            gate.wait().await;
            let answer = shop.order(&buyer, &ticket).await;
            (ticket, answer)
        });
    }
    gate.wait().await;
    let burst = Instant::now();
    let mut winners = Samples::default();
    let mut losers = Samples::default();
    let mut everyone = Samples::default();
    let mut holds: HashMap<String, Vec<String>> = HashMap::new();
    let mut refused_busy: HashSet<String> = HashSet::new();
    let (mut server_errors, mut busy, mut transport_errors, mut unexpected) = (0, 0, 0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (ticket, answer) = joined?;
        let Ok(answer) = answer else {
            transport_errors += 1;
            continue;
        };
        everyone.push(answer.took);
        match answer.status {
            StatusCode::CREATED => {
                winners.push(answer.took);
                holds.entry(ticket).or_default().push(id_of(&answer.body)?);
            }
            StatusCode::BAD_REQUEST => losers.push(answer.took),
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                refused_busy.insert(ticket);
            }
            status if status.is_server_error() => server_errors += 1,
            _ => unexpected += 1,
        }
    }
    let answered_all = burst.elapsed();
    let oversold = holds.values().filter(|orders| orders.len() > 1).count();
    let mut held_by_winner = 0;
    for (ticket, orders) in &holds {
        let shown = shop.get(None, &format!("/api/tickets/{ticket}")).await?;
        if orders.len() == 1 && shown.body["orderId"].as_str() == Some(orders[0].as_str()) {
            held_by_winner += 1;
        }
    }
    let busy_while_unheld = refused_busy
        .iter()
        .filter(|ticket| !holds.contains_key(*ticket))
        .count();
    let shed = shed_since(shed_before, shop.shed_counts().await?);
    let started = settle_count(temporal, before).await?;
    Ok(Row::new(
        "rush",
        format!(
            "{} buyers send POST /api/orders at once for {tickets} tickets; latency from the burst's start",
            buyers.len()
        ),
    )
    .latencies(&everyone)
    .figure("holds", winners.len())
    .figure("held by their order", held_by_winner)
    .figure("oversold", oversold)
    .figure("5xx other than 503", server_errors)
    .figure("503", busy)
    .figure("tickets left unheld behind a 503", busy_while_unheld)
    .figure("503 by reason", shed)
    .figure("transport errors", transport_errors)
    .figure("other answers", unexpected)
    .figure("workflows started", started)
    .figure("all answered ms", answered_all.as_secs_f64() * 1000.0)
    .figure("winners p50 ms", ms(winners.quantile(0.5)))
    .figure("losers p99 ms", ms(losers.quantile(0.99))))
}

/// What was shed between two readings of the shop's counters, as `reason: n` words.
fn shed_since(before: BTreeMap<String, f64>, after: BTreeMap<String, f64>) -> String {
    let shed: Vec<String> = after
        .into_iter()
        .filter_map(|(reason, count)| {
            let since = count - before.get(&reason).copied().unwrap_or_default();
            (since > 0.0).then(|| format!("{reason}: {since}"))
        })
        .collect();
    if shed.is_empty() {
        "none".to_owned()
    } else {
        shed.join(", ")
    }
}

async fn purchase_workflows(temporal: &Client) -> anyhow::Result<usize> {
    Ok(temporal
        .count_workflows(
            "WorkflowType = 'PurchaseWorkflow'",
            WorkflowCountOptions::builder().build(),
        )
        .await?
        .count())
}

/// Workflows started since `before`, once visibility has caught up (the count stops moving).
async fn settle_count(temporal: &Client, before: usize) -> anyhow::Result<usize> {
    let mut last = purchase_workflows(temporal).await?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = purchase_workflows(temporal).await?;
        if now == last {
            break;
        }
        last = now;
    }
    Ok(last.saturating_sub(before))
}
