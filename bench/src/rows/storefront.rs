//! `storefront`, `storefront-api`, `storefront-busy`, `search` and `search-uncached`: page views
//! and searches from a lean closed-loop load generator (`bench::load`), alone and while purchases
//! run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::{progress, purchase};
use crate::http::{Session, Shop};
use crate::load::{self, LoadResult};
use crate::report::Row;

/// `GET path` over `connections` keep-alive connections for `duration`.
pub async fn views(
    shop: &Shop,
    name: &'static str,
    path: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Row> {
    progress(format!(
        "{name}: GET {path}, {connections} connections for {duration:?}"
    ));
    let result = load::hammer(shop.addr()?, path, connections, duration).await?;
    let description = format!("GET {path}, {connections} keep-alive connections, closed loop");
    Ok(closed_loop_row(name, description, &result))
}

/// `search-uncached`: `GET /api/tickets?q={word}` as `search` asks it, but each request with a
/// price ceiling of its own, above every ticket's price. Every answer is the same page, yet no two
/// requests share a page the gateway keeps, so each one is read from the database.
pub async fn uncached_searches(
    shop: &Shop,
    word: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Row> {
    let name = "search-uncached";
    progress(format!(
        "{name}: GET /api/tickets?q={word}&maxPrice=<one per request>, {connections} connections for {duration:?}"
    ));
    // The bulk catalog's dearest ticket costs $1,007.50; the shop takes up to $999,999.99.
    let ceiling = Arc::new(AtomicU64::new(2_000));
    let search = format!("/api/tickets?q={word}");
    let paths: load::Paths = Arc::new(move || {
        let max_price = ceiling.fetch_add(1, Ordering::Relaxed);
        format!("{search}&maxPrice={max_price}")
    });
    let result = load::hammer_paths(shop.addr()?, paths, connections, duration).await?;
    let description = format!(
        "GET /api/tickets?q={word}&maxPrice=<above every price, one per request>, \
         {connections} keep-alive connections, closed loop: nothing from the gateway's memory"
    );
    Ok(closed_loop_row(name, description, &result))
}

/// A row of what a closed-loop load measured: latencies, rate, answers other than 200 and size.
fn closed_loop_row(name: &'static str, description: String, result: &LoadResult) -> Row {
    Row::new(name, description)
        .latencies(&result.latencies)
        .rate(
            result.latencies.len() as f64 / result.elapsed.as_secs_f64(),
            "req/s",
        )
        .figure("non-200", result.errors)
        .figure("bytes", result.bytes_per_answer)
}

/// `storefront-busy`: `GET /` over `connections` connections for as long as `purchases`
/// purchases take, `concurrency` at a time. Returns the row and the purchases' order ids.
pub async fn views_while_buying(
    shop: &Shop,
    seller: &Session,
    connections: usize,
    purchases: usize,
    concurrency: usize,
) -> anyhow::Result<(Row, Vec<String>)> {
    let stop = Arc::new(AtomicBool::new(false));
    let buying = async {
        let bought = purchase::purchases(shop, seller, purchases, concurrency, None).await;
        stop.store(true, Ordering::Release);
        bought
    };
    progress(format!(
        "storefront-busy: GET /, {connections} connections, while {purchases} purchases run"
    ));
    let browsing = load::hammer_until(shop.addr()?, "/", connections, &stop);
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
    .figure("purchases/s", bought.row.rate.unwrap_or_default());
    Ok((row, bought.order_ids))
}
