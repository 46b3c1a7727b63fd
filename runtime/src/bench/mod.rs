//! `boxoffice bench`: starts the shop the way a user does (`boxoffice dev`, as a separate process
//! on ports of its own), drives it through its real HTTP API with real sessions, and prints one
//! table. It stops everything it started and deletes what it made.
//!
//! Rows, in the order they run: `baseline` (bare Temporal on the same server), `storefront` and
//! `storefront-api`, `storefront-busy` (while purchases run) and `storefront-100k`, `purchase`, `order`, `rush`, `signin`, then — with the shop restarted on
//! short holds — `expiry`, and last `actions`, counted from the histories the other rows made.

mod actions;
mod http;
mod load;
mod process;
mod report;
mod scenarios;

use std::time::Duration;

use anyhow::Context;

use crate::config::{BenchArgs, BenchRow};
use crate::temporal;
use process::{RunningShop, ShopPlan};
use report::Report;
use scenarios::progress;

/// Holds long enough that no row but `expiry` sees one end.
const LONG_HOLD_SECS: u64 = 900;

/// How big each row is.
#[derive(Debug, Clone)]
struct Sizes {
    concurrency: usize,
    baseline: usize,
    purchases: usize,
    orders: usize,
    rush_buyers: usize,
    rush_tickets: usize,
    signins: usize,
    signin_rest: Duration,
    storefront_tickets: usize,
    storefront_connections: usize,
    storefront_time: Duration,
    /// Tickets for sale in `storefront-100k`.
    many_tickets: usize,
    expiry_holds: usize,
    expiry_hold_secs: u64,
    expiry_waves: usize,
}

impl Sizes {
    fn of(args: &BenchArgs) -> Self {
        if args.smoke {
            // Every row once, small: for CI, where timings mean nothing but the flow must work.
            return Self {
                concurrency: 4,
                baseline: 8,
                purchases: 8,
                orders: 4,
                rush_buyers: 60,
                rush_tickets: 6,
                signins: 20,
                signin_rest: Duration::from_secs(1),
                storefront_tickets: 20,
                storefront_connections: 8,
                storefront_time: Duration::from_secs(1),
                many_tickets: 500,
                expiry_holds: 8,
                expiry_hold_secs: 15,
                expiry_waves: 2,
            };
        }
        Self {
            concurrency: args.concurrency,
            baseline: args.purchases,
            purchases: args.purchases,
            orders: args.orders,
            rush_buyers: args.rush_buyers,
            rush_tickets: args.rush_tickets,
            signins: args.signins,
            signin_rest: Duration::from_secs(10),
            storefront_tickets: args.storefront_tickets,
            storefront_connections: args.storefront_connections,
            storefront_time: Duration::from_secs(args.storefront_secs),
            many_tickets: 100_000,
            expiry_holds: args.expiry_holds,
            expiry_hold_secs: args.expiry_hold_secs,
            expiry_waves: usize::try_from(args.expiry_waves).unwrap_or(1),
        }
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let sizes = Sizes::of(&args);
    let data_dir =
        std::env::temp_dir().join(format!("boxoffice-bench-{}", uuid::Uuid::new_v4().simple()));
    let database = match &args.database_url {
        Some(server) => Some(BenchDatabase::create(server).await?),
        None => None,
    };
    let plan = ShopPlan::new(data_dir.clone(), database.as_ref().map(|db| db.url.clone()))?;
    let mut report = Report {
        machine: report::machine(),
        database: match &database {
            Some(_) => "Postgres".to_owned(),
            None => "SQLite (dev's default)".to_owned(),
        },
        rows: Vec::new(),
    };
    let outcome = run_rows(&plan, &sizes, &args.rows, &mut report).await;
    if let Some(database) = database {
        database.drop().await;
    }
    match &outcome {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&data_dir);
        }
        Err(_) => progress(format!(
            "the shop's log is kept at {}",
            data_dir.join("boxoffice.log").display()
        )),
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    outcome
}

async fn run_rows(
    plan: &ShopPlan,
    sizes: &Sizes,
    rows: &[BenchRow],
    report: &mut Report,
) -> anyhow::Result<()> {
    let wants = |row: BenchRow| rows.is_empty() || rows.contains(&row);
    progress(format!(
        "starting boxoffice dev on {} (its log: {})",
        plan.base_url(),
        plan.data_dir.join("boxoffice.log").display()
    ));
    let shop_process = RunningShop::start(plan, LONG_HOLD_SECS).await?;
    let shop = http::Shop::new(&plan.base_url())?;
    let temporal = temporal::connect(&plan.temporal_address(), "default").await?;
    let seller = shop.sign_up("seller@bench.example").await?;

    let mut baseline_rate = None;
    if wants(BenchRow::Baseline) {
        progress(format!("baseline: {} bare workflows", sizes.baseline));
        let row = scenarios::baseline(&temporal, sizes.baseline, sizes.concurrency).await?;
        baseline_rate = row.rate;
        report.rows.push(row);
    }
    if wants(BenchRow::Storefront) {
        scenarios::list_tickets(&shop, &seller, "Storefront", sizes.storefront_tickets).await?;
        let duration = sizes.storefront_time;
        let connections = sizes.storefront_connections;
        for (name, path) in [("storefront", "/"), ("storefront-api", "/api/tickets")] {
            let row = scenarios::storefront(&shop, name, path, connections, duration).await?;
            report.rows.push(row);
        }
    }
    let mut purchased = Vec::new();
    if wants(BenchRow::StorefrontLoaded) {
        scenarios::list_tickets(&shop, &seller, "Storefront", sizes.storefront_tickets).await?;
        let (busy, purchases) = scenarios::storefront_while_buying(
            &shop,
            &seller,
            sizes.storefront_connections,
            sizes.purchases,
            sizes.concurrency,
        )
        .await?;
        purchased.extend(purchases);
        report.rows.push(busy);
        let database_url = RunningShop::database_url(plan);
        let row = scenarios::storefront_with_many(
            &shop,
            &seller,
            &database_url,
            sizes.many_tickets,
            sizes.storefront_connections,
            sizes.storefront_time,
        )
        .await?;
        report.rows.push(row);
    }
    if wants(BenchRow::Purchase) {
        let purchases = scenarios::purchase(
            &shop,
            &seller,
            sizes.purchases,
            sizes.concurrency,
            baseline_rate,
        )
        .await?;
        purchased.extend(purchases.order_ids);
        report.rows.push(purchases.row);
    }
    if wants(BenchRow::Order) {
        report
            .rows
            .push(scenarios::sequential_orders(&shop, &seller, sizes.orders).await?);
    }
    let mut accounts = Vec::new();
    if wants(BenchRow::Rush) || wants(BenchRow::Signin) {
        let needed = if wants(BenchRow::Rush) {
            sizes.rush_buyers.max(sizes.signins)
        } else {
            sizes.signins
        };
        progress(format!("signing up {needed} buyers"));
        let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let emails: Vec<String> = (0..needed)
            .map(|i| format!("buyer-{i}-{run}@bench.example"))
            .collect();
        let (sessions, _) = scenarios::run_concurrently(needed, 8, |i| {
            let (shop, email) = (&shop, &emails[i]);
            async move { shop.sign_up(email).await }
        })
        .await;
        let sessions: Vec<_> = sessions.into_iter().collect::<Result<_, _>>()?;
        accounts = emails.into_iter().zip(sessions).collect::<Vec<_>>();
    }
    if wants(BenchRow::Rush) {
        let buyers: Vec<_> = accounts
            .iter()
            .take(sizes.rush_buyers)
            .map(|(_, session)| session.clone())
            .collect();
        let row = scenarios::rush(&shop, &temporal, &seller, &buyers, sizes.rush_tickets).await?;
        report.rows.push(row);
    }
    if wants(BenchRow::Signin) {
        let emails: Vec<String> = accounts
            .iter()
            .take(sizes.signins)
            .map(|(email, _)| email.clone())
            .collect();
        let row =
            scenarios::sign_in_burst(&shop, &emails, || shop_process.rss_mib(), sizes.signin_rest)
                .await?;
        report.rows.push(row);
    }

    let mut expired = Vec::new();
    if wants(BenchRow::Expiry) {
        let expiries = expiry(plan, &shop, &seller, sizes).await?;
        expired = expiries.order_ids;
        report.rows.push(expiries.row);
    }
    if wants(BenchRow::Actions) {
        let row = scenarios::actions(&temporal, &purchased, &expired).await?;
        report.rows.push(row);
    }
    shop_process.stop();
    Ok(())
}

/// The `expiry` row. The shop starts workflows at a few dozen a second, so holds placed in one go
/// would end just as spread out. Instead they are placed in waves, each through a gateway of its
/// own (`boxoffice serve` beside dev, same worker) whose hold is shortened by the time since the
/// first wave began: every hold ends within the few seconds one wave takes to place.
async fn expiry(
    plan: &ShopPlan,
    shop: &http::Shop,
    seller: &http::Session,
    sizes: &Sizes,
) -> anyhow::Result<scenarios::Expiries> {
    let first_wave = std::time::Instant::now();
    let waves = sizes.expiry_waves;
    let per_wave = sizes.expiry_holds.div_ceil(waves);
    let mut holds = Vec::new();
    for wave in 0..waves {
        let hold_secs = sizes
            .expiry_hold_secs
            .saturating_sub(first_wave.elapsed().as_secs())
            .max(1);
        progress(format!(
            "expiry: wave {} of {waves}, {per_wave} holds of {hold_secs} s",
            wave + 1
        ));
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], process::unclaimed_port()?));
        let gateway = RunningShop::gateway(plan, addr, hold_secs).await?;
        let through = http::Shop::new(&format!("http://{addr}"))?;
        let wave_holds = scenarios::place_holds(&through, shop, seller, "Expiry", per_wave).await;
        gateway.stop();
        holds.extend(wave_holds?);
    }
    let how = format!(
        "{} unpaid holds, placed in {waves} waves timed to end together ({} s hold for the first)",
        holds.len(),
        sizes.expiry_hold_secs
    );
    scenarios::watch_expiries(shop, holds, how).await
}

/// A fresh Postgres database on the server the bench was pointed at; dropped afterwards.
struct BenchDatabase {
    server: String,
    name: String,
    url: String,
}

impl BenchDatabase {
    async fn create(server: &str) -> anyhow::Result<Self> {
        let name = format!("boxoffice_bench_{}", uuid::Uuid::new_v4().simple());
        let url = boxoffice_activities::db::create_database(server, &name)
            .await
            .with_context(|| format!("cannot create a database on {server}"))?;
        Ok(Self {
            server: server.to_owned(),
            name,
            url,
        })
    }

    async fn drop(self) {
        if let Err(err) = boxoffice_activities::db::drop_database(&self.server, &self.name).await {
            progress(format!("could not drop {}: {err}", self.name));
        }
    }
}
