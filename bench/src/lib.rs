//! `boxoffice bench`: starts the shop the way a user does (`boxoffice dev`, as a separate process
//! on ports of its own), drives it through its real HTTP API with real sessions, and prints one
//! table. It stops everything it started and deletes what it made.
//!
//! Every row runs beside a catalog of a real marketplace's size (`--catalog`, 100,000 tickets for
//! sale by default, put into the database before the first row). Rows, in the order they run:
//! `baseline` (bare Temporal on the same server), `storefront` and `storefront-api`, `search` (a
//! one-word full-text search of the catalog), `storefront-busy` (while purchases run), `purchase`,
//! `mail` (how soon the SMTP server accepted the purchases' receipts and sold notices), `order`,
//! `rush`, `signin`, then `expiry` (holds placed through extra gateways with short holds) and
//! `expiry-baseline` (bare timers on its schedule), and last `actions`, counted from the histories
//! the other rows made.

pub mod config;
mod http;
mod load;
mod process;
mod report;
mod rows;

use std::time::Duration;

use anyhow::Context;

use crate::config::{BenchArgs, BenchRow};
use boxoffice_runtime::temporal;
use process::{RunningShop, ShopPlan};
use report::Report;
use rows::expiry::ExpiryPlan;
use rows::progress;

/// Holds long enough that no row but `expiry` sees one end.
const LONG_HOLD_SECS: u64 = 900;

/// How big each row is.
#[derive(Debug, Clone)]
struct Sizes {
    /// Tickets for sale before the first row.
    catalog: usize,
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
    expiry_holds: usize,
    expiry_hold_secs: u64,
    expiry_waves: usize,
}

impl Sizes {
    fn of(args: &BenchArgs) -> Self {
        if args.smoke {
            // Every row once, small: for CI, where timings mean nothing but the flow must work.
            return Self {
                catalog: 500,
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
                expiry_holds: 8,
                expiry_hold_secs: 15,
                expiry_waves: 2,
            };
        }
        Self {
            catalog: args.catalog,
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
        catalog: sizes.catalog,
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
    rows::catalog::load(
        &shop,
        &seller,
        &RunningShop::database_url(plan),
        sizes.catalog,
    )
    .await?;

    let mut baseline_rate = None;
    if wants(BenchRow::Baseline) {
        let row = rows::baseline::workflows(&temporal, sizes.baseline, sizes.concurrency).await?;
        baseline_rate = row.rate;
        report.rows.push(row);
    }
    if wants(BenchRow::Storefront) {
        rows::list_tickets(&shop, &seller, "Storefront", sizes.storefront_tickets).await?;
        let (duration, connections) = (sizes.storefront_time, sizes.storefront_connections);
        for (name, path) in [("storefront", "/"), ("storefront-api", "/api/tickets")] {
            let row = rows::storefront::views(&shop, name, path, connections, duration).await?;
            report.rows.push(row);
        }
    }
    if wants(BenchRow::Search) {
        // One word of the bulk catalog's acts: a sixteenth of it matches, newest first.
        // As many connections as `storefront` (50 by default, 8 in a smoke run).
        let (duration, connections) = (sizes.storefront_time, sizes.storefront_connections);
        let row = rows::storefront::views(
            &shop,
            "search",
            "/api/tickets?q=coldplay",
            connections,
            duration,
        )
        .await?;
        report.rows.push(row);
        let row =
            rows::storefront::uncached_searches(&shop, "coldplay", connections, duration).await?;
        report.rows.push(row);
    }
    let mut purchased = Vec::new();
    if wants(BenchRow::StorefrontBusy) {
        let (busy, purchases) = rows::storefront::views_while_buying(
            &shop,
            &seller,
            sizes.storefront_connections,
            sizes.purchases,
            sizes.concurrency,
        )
        .await?;
        purchased.extend(purchases);
        report.rows.push(busy);
    }
    if wants(BenchRow::Purchase) || wants(BenchRow::Mail) {
        let purchases = rows::purchase::purchases(
            &shop,
            &seller,
            sizes.purchases,
            sizes.concurrency,
            baseline_rate,
        )
        .await?;
        if wants(BenchRow::Purchase) {
            report.rows.push(purchases.row);
        }
        if wants(BenchRow::Mail) {
            let database_url = RunningShop::database_url(plan);
            let row = rows::mail::after_purchases(&database_url, &purchases.order_ids).await?;
            report.rows.push(row);
        }
        purchased.extend(purchases.order_ids);
    }
    if wants(BenchRow::Order) {
        let row = rows::purchase::sequential_orders(&shop, &seller, sizes.orders).await?;
        report.rows.push(row);
    }
    let accounts = if wants(BenchRow::Rush) || wants(BenchRow::Signin) {
        let needed = if wants(BenchRow::Rush) {
            sizes.rush_buyers.max(sizes.signins)
        } else {
            sizes.signins
        };
        progress(format!("signing up {needed} buyers"));
        sign_up_accounts(&shop, needed).await?
    } else {
        Vec::new()
    };
    if wants(BenchRow::Rush) {
        let buyers: Vec<_> = accounts
            .iter()
            .take(sizes.rush_buyers)
            .map(|(_, session)| session.clone())
            .collect();
        let row =
            rows::rush::on_sale(&shop, &temporal, &seller, &buyers, sizes.rush_tickets).await?;
        report.rows.push(row);
    }
    if wants(BenchRow::Signin) {
        let emails: Vec<String> = accounts
            .iter()
            .take(sizes.signins)
            .map(|(email, _)| email.clone())
            .collect();
        let rss = || shop_process.rss_mib();
        let row = rows::signin::surge(&shop, &emails, rss, sizes.signin_rest).await?;
        report.rows.push(row);
    }

    let mut expired = Vec::new();
    if wants(BenchRow::Expiry) {
        let expiry = ExpiryPlan {
            holds: sizes.expiry_holds,
            waves: sizes.expiry_waves,
            hold_secs: sizes.expiry_hold_secs,
        };
        let expiries = rows::expiry::holds_ending_together(plan, &shop, &seller, &expiry).await?;
        let timers = rows::baseline::timers(&temporal, &expiries.schedule).await?;
        let mut row = expiries.row;
        if let (Some(expiry_p99), Some(timer_p99)) = (row.p99_ms, timers.p99_ms) {
            row = row.figure("p99 of expiry-baseline's", expiry_p99 / timer_p99);
        }
        expired = expiries.order_ids;
        report.rows.push(row);
        report.rows.push(timers);
    }
    if wants(BenchRow::Actions) {
        let row = rows::actions::per_workflow(&temporal, &purchased, &expired).await?;
        report.rows.push(row);
    }
    shop_process.stop();
    Ok(())
}

/// `n` accounts, as (email, session).
async fn sign_up_accounts(
    shop: &http::Shop,
    n: usize,
) -> anyhow::Result<Vec<(String, http::Session)>> {
    let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let emails: Vec<String> = (0..n)
        .map(|i| format!("buyer-{i}-{run}@bench.example"))
        .collect();
    let (sessions, _) = rows::run_concurrently(n, 8, |i| {
        let (shop, email) = (shop, &emails[i]);
        async move { shop.sign_up(email).await }
    })
    .await;
    let sessions: Vec<_> = sessions.into_iter().collect::<Result<_, _>>()?;
    Ok(emails.into_iter().zip(sessions).collect())
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
