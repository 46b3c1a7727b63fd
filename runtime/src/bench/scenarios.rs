//! The bench's rows. Each drives the running shop through its HTTP API (or, for `baseline`,
//! Temporal directly) and measures what a user would feel.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use boxoffice_workflows::baseline::{BaselineActivities, BaselineWorkflow};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use reqwest::StatusCode;
use temporalio_client::{
    Client, UntypedWorkflow, WorkflowCountOptions, WorkflowExecuteUpdateOptions,
    WorkflowFetchHistoryOptions, WorkflowGetResultOptions, WorkflowStartOptions,
};
use temporalio_sdk::WorkerOptions;

use super::actions;
use super::http::{Answer, Session, Shop, id_of};
use super::load;
use boxoffice_activities::entities::ticket;
use sea_orm::{ActiveValue::Set, EntityTrait};

use super::report::{Row, Samples};
use crate::worker;

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

/// `n` tickets listed by `seller`.
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

/// `baseline`: start → one no-op activity → one Update → complete, on the same Temporal server
/// with the same worker settings as the shop, in this process.
pub async fn baseline(temporal: &Client, n: usize, concurrency: usize) -> anyhow::Result<Row> {
    let task_queue = format!("bench-baseline-{}", uuid::Uuid::new_v4().simple());
    let queue = task_queue.clone();
    let running = worker::start(temporal.clone(), move || {
        let options = WorkerOptions::new(queue)
            .register_workflow::<BaselineWorkflow>()?
            .register_activities(BaselineActivities)
            .build();
        Ok(worker::tuned(options))
    })
    .await?;
    let (results, elapsed) = run_concurrently(n, concurrency, |i| {
        let options =
            WorkflowStartOptions::new(task_queue.clone(), format!("{task_queue}-{i}")).build();
        async move {
            let started = Instant::now();
            let handle = temporal
                .start_workflow(BaselineWorkflow::run, (), options)
                .await?;
            handle
                .execute_update(
                    BaselineWorkflow::finish,
                    (),
                    WorkflowExecuteUpdateOptions::default(),
                )
                .await?;
            handle
                .get_result(WorkflowGetResultOptions::default())
                .await?;
            Ok(started.elapsed())
        }
    })
    .await;
    running.stop().await?;
    let latencies = successes(results)?;
    Ok(Row::new(
        "baseline",
        format!(
            "bare workflow: start → no-op activity → Update → complete, {concurrency} in flight"
        ),
    )
    .latencies(&latencies)
    .rate(latencies.len() as f64 / elapsed.as_secs_f64(), "wf/s"))
}

/// What the purchase row leaves for the actions row.
pub struct Purchases {
    pub row: Row,
    pub order_ids: Vec<String>,
}

/// `purchase`: order + pay, `concurrency` buyers at a time.
pub async fn purchase(
    shop: &Shop,
    seller: &Session,
    n: usize,
    concurrency: usize,
    baseline_rate: Option<f64>,
) -> anyhow::Result<Purchases> {
    progress(format!("purchase: listing {n} tickets"));
    let tickets = list_tickets(shop, seller, "Purchase", n).await?;
    let buyers = sign_up_many(shop, "purchase", concurrency).await?;
    progress(format!("purchase: {n} purchases, {concurrency} at a time"));
    let (results, elapsed) = run_concurrently(n, concurrency, |i| {
        let (buyer, ticket) = (&buyers[i % buyers.len()], &tickets[i]);
        async move {
            let order = shop.order(buyer, ticket).await?;
            expect(&order, StatusCode::CREATED, "order")?;
            let order_id = id_of(&order.body)?;
            let paid = shop.pay(buyer, &order_id, "pm_card_visa").await?;
            expect(&paid, StatusCode::CREATED, "payment")?;
            Ok((order.took, paid.took, order_id))
        }
    })
    .await;
    let mut total = Samples::default();
    let mut orders = Samples::default();
    let mut payments = Samples::default();
    let mut order_ids = Vec::new();
    let mut failures = 0;
    for result in results {
        match result {
            Ok((order, pay, order_id)) => {
                total.push(order + pay);
                orders.push(order);
                payments.push(pay);
                order_ids.push(order_id);
            }
            Err(err) => {
                failures += 1;
                progress(format!("purchase failed: {err:#}"));
            }
        }
    }
    let rate = total.len() as f64 / elapsed.as_secs_f64();
    let mut row = Row::new(
        "purchase",
        format!(
            "POST /api/orders then POST /api/payments (pm_card_visa), {concurrency} buyers at once"
        ),
    )
    .latencies(&total)
    .rate(rate, "purchases/s")
    .figure("order p50 ms", ms(orders.quantile(0.5)))
    .figure("pay p50 ms", ms(payments.quantile(0.5)))
    .figure("failed", failures);
    if let Some(baseline) = baseline_rate {
        row = row.figure("of baseline", rate / baseline);
    }
    Ok(Purchases { row, order_ids })
}

/// `order`: one `POST /api/orders` at a time.
pub async fn sequential_orders(shop: &Shop, seller: &Session, n: usize) -> anyhow::Result<Row> {
    let tickets = list_tickets(shop, seller, "Order", n).await?;
    // A buyer holds at most a few tickets at once; spread the holds.
    let buyers = sign_up_many(shop, "order", n.div_ceil(3)).await?;
    progress(format!("order: {n} orders, one at a time"));
    let mut latencies = Samples::default();
    for (i, ticket) in tickets.iter().enumerate() {
        let answer = shop.order(&buyers[i / 3], ticket).await?;
        expect(&answer, StatusCode::CREATED, "order")?;
        latencies.push(answer.took);
    }
    Ok(
        Row::new("order", "POST /api/orders, one at a time (each a new hold)")
            .latencies(&latencies),
    )
}

/// `storefront`: `GET path` over `connections` keep-alive connections.
pub async fn storefront(
    shop: &Shop,
    name: &'static str,
    path: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Row> {
    progress(format!(
        "{name}: GET {path}, {connections} connections for {duration:?}"
    ));
    let addr = shop.addr()?;
    let result = load::hammer(addr, path, connections, duration).await?;
    Ok(Row::new(
        name,
        format!("GET {path}, {connections} keep-alive connections, closed loop"),
    )
    .latencies(&result.latencies)
    .rate(
        result.latencies.len() as f64 / result.elapsed.as_secs_f64(),
        "req/s",
    )
    .figure("non-200", result.errors)
    .figure("bytes", result.bytes_per_answer))
}

/// `storefront-busy`: `GET /` over `connections` connections for as long as `purchases`
/// purchases take, `concurrency` at a time. Returns the row and the purchases' order ids.
pub async fn storefront_while_buying(
    shop: &Shop,
    seller: &Session,
    connections: usize,
    purchases: usize,
    concurrency: usize,
) -> anyhow::Result<(Row, Vec<String>)> {
    let addr = shop.addr()?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let buying = async {
        let bought = purchase(shop, seller, purchases, concurrency, None).await;
        stop.store(true, std::sync::atomic::Ordering::Release);
        bought
    };
    progress(format!(
        "storefront-busy: GET /, {connections} connections, while {purchases} purchases run"
    ));
    let browsing = load::hammer_until(addr, "/", connections, &stop);
    let (bought, browsed) = tokio::join!(buying, browsing);
    let (bought, browsed) = (bought?, browsed?);
    let row = Row::new(
        "storefront-busy",
        format!(
            "GET /, {connections} connections, while {purchases} purchases run ({concurrency} at a time)"
        ),
    )
    .latencies(&browsed.latencies)
    .rate(
        browsed.latencies.len() as f64 / browsed.elapsed.as_secs_f64(),
        "req/s",
    )
    .figure("non-200", browsed.errors)
    .figure(
        "purchases/s",
        bought.row.rate.unwrap_or_default(),
    );
    Ok((row, bought.order_ids))
}

/// `storefront-100k`: `GET /` with `n` more tickets for sale, put straight into the database (as
/// a long-running shop would have them): the listing reads one page whatever the catalog holds.
pub async fn storefront_with_many(
    shop: &Shop,
    seller: &Session,
    database_url: &str,
    n: usize,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Row> {
    progress(format!("storefront-100k: putting {n} tickets up for sale"));
    let db = boxoffice_activities::db::connect(database_url).await?;
    let seller_id: uuid::Uuid = shop.current_user_id(seller).await?.parse()?;
    let now = Utc::now();
    for batch in (0..n).collect::<Vec<_>>().chunks(1000) {
        let rows = batch.iter().map(|i| ticket::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            title: Set(format!("Bulk {i}")),
            price_cents: Set(1000),
            user_id: Set(seller_id),
            order_id: Set(None),
            version: Set(0),
            // Older than anything listed through the shop.
            created_at: Set(now - chrono::Duration::seconds(i64::try_from(*i).unwrap_or(0) + 60)),
            claim_order_id: Set(None),
            claim_expires_at: Set(None),
            claim_buyer_id: Set(None),
        });
        ticket::Entity::insert_many(rows)
            .exec_without_returning(&db)
            .await?;
    }
    db.close().await?;
    // One ticket through the shop, so that its listing learns the catalog changed.
    list_tickets(shop, seller, "Newest", 1).await?;
    storefront(shop, "storefront-100k", "/", connections, duration).await
}

/// `rush`: every buyer orders at the same instant, `buyers / tickets` per ticket.
pub async fn rush(
    shop: &Shop,
    temporal: &Client,
    seller: &Session,
    buyers: &[Session],
    tickets: usize,
) -> anyhow::Result<Row> {
    let ticket_ids = list_tickets(shop, seller, "Rush", tickets).await?;
    warm_connections(shop, buyers.len()).await?;
    let before = purchase_workflows(temporal).await?;
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
            StatusCode::SERVICE_UNAVAILABLE => busy += 1,
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
    .figure("transport errors", transport_errors)
    .figure("other answers", unexpected)
    .figure("workflows started", started)
    .figure("all answered ms", answered_all.as_secs_f64() * 1000.0)
    .figure("winners p50 ms", ms(winners.quantile(0.5)))
    .figure("losers p99 ms", ms(losers.quantile(0.99))))
}

/// `signin`: every account signs in at the same instant; then the shop's memory after a rest.
pub async fn sign_in_burst(
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
    let (mut ok, mut busy, mut busy_without_retry_after, mut other) = (0, 0, 0, 0);
    let mut latencies = Samples::default();
    while let Some(joined) = tasks.join_next().await {
        match joined? {
            Ok((answer, _)) => {
                latencies.push(answer.took);
                match answer.status {
                    StatusCode::OK => ok += 1,
                    StatusCode::SERVICE_UNAVAILABLE if answer.retry_after.is_some() => busy += 1,
                    StatusCode::SERVICE_UNAVAILABLE => busy_without_retry_after += 1,
                    _ => other += 1,
                }
            }
            Err(_) => other += 1,
        }
    }
    let elapsed = burst.elapsed();
    let peak = rss_mib();
    tokio::time::sleep(rest).await;
    let rested = rss_mib();
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
    .figure("503 + Retry-After", busy)
    .figure("503 without Retry-After", busy_without_retry_after)
    .figure("other", other)
    .figure("RSS before MiB", rss_before.unwrap_or_default())
    .figure("RSS after burst MiB", peak.unwrap_or_default())
    .figure("RSS after idle MiB", rested.unwrap_or_default()))
}

/// An unpaid hold the `expiry` row watches.
pub struct Hold {
    ticket: String,
    order: String,
    expires_at: DateTime<Utc>,
}

/// What the expiry row leaves for the actions row.
pub struct Expiries {
    pub row: Row,
    pub order_ids: Vec<String>,
}

/// Places `n` holds `through` a gateway, as fast as it takes them; the tickets and buyers are
/// made on `shop`.
pub async fn place_holds(
    through: &Shop,
    shop: &Shop,
    seller: &Session,
    label: &str,
    n: usize,
) -> anyhow::Result<Vec<Hold>> {
    let tickets = list_tickets(shop, seller, label, n).await?;
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

/// `expiry`: how late after `expiresAt` each held ticket is for sale again.
pub async fn watch_expiries(
    shop: &Shop,
    holds: Vec<Hold>,
    how: String,
) -> anyhow::Result<Expiries> {
    let densest = densest_second_window(holds.iter().map(|hold| hold.expires_at), 5);
    progress("expiry: waiting for the holds to end");
    let mut waiting: BTreeMap<String, DateTime<Utc>> = holds
        .iter()
        .map(|hold| (hold.ticket.clone(), hold.expires_at))
        .collect();
    let mut lateness = Samples::default();
    let mut early = 0;
    let last_due = waiting.values().max().copied().unwrap_or_else(Utc::now);
    let give_up = last_due + chrono::Duration::seconds(60);
    while !waiting.is_empty() && Utc::now() < give_up {
        // One look at the listing a round: a probe per ticket would itself load the shop once
        // hundreds are due.
        let (for_sale, seen) = tickets_for_sale(shop).await?;
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
    })
}

/// The ids of every ticket for sale (following the listing's `Link: rel="next"` pages), and when
/// the answer came.
async fn tickets_for_sale(shop: &Shop) -> anyhow::Result<(Vec<String>, DateTime<Utc>)> {
    let mut ids = Vec::new();
    let mut next = Some("/api/tickets".to_owned());
    while let Some(path) = next.take() {
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

/// `actions`: billable Temporal actions and workflow tasks per purchase and per expired hold.
pub async fn actions(
    temporal: &Client,
    purchases: &[String],
    expired: &[String],
) -> anyhow::Result<Row> {
    let mut row = Row::new(
        "actions",
        "billable actions per workflow (Temporal Cloud's rules; see bench/actions.rs), from real histories",
    );
    for (label, orders) in [("purchase", purchases), ("expired hold", expired)] {
        let sample: Vec<&String> = orders.iter().take(5).collect();
        let mut counts = Vec::new();
        let mut tasks = Vec::new();
        for order in sample {
            let events = temporal
                .get_workflow_handle::<UntypedWorkflow>(format!("order-{order}"))
                .fetch_history(WorkflowFetchHistoryOptions::default())
                .into_events()
                .await
                .with_context(|| format!("history of order-{order}"))?;
            counts.push(actions::billable_actions(&events));
            tasks.push(actions::workflow_tasks(&events));
        }
        if let (Some(min), Some(max)) = (counts.iter().min(), counts.iter().max()) {
            let value = if min == max {
                min.to_string()
            } else {
                format!("{min}–{max}")
            };
            row = row.figure(&format!("per {label}"), value);
            row = row.figure(
                &format!("workflow tasks per {label}"),
                tasks.iter().max().copied().unwrap_or_default(),
            );
        }
    }
    Ok(row)
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

/// The most instants that fall within any `window_secs`-second window.
fn densest_second_window(instants: impl Iterator<Item = DateTime<Utc>>, window_secs: i64) -> usize {
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

fn expect(answer: &Answer, status: StatusCode, what: &str) -> anyhow::Result<()> {
    if answer.status != status {
        bail!("{what}: {} {}", answer.status, answer.body);
    }
    Ok(())
}

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
