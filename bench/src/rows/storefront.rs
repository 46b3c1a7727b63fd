//! `storefront`, `storefront-api` and `storefront-busy`: page views from a lean closed-loop load
//! generator (`bench::load`), alone and while purchases run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{progress, purchase};
use crate::http::{Session, Shop};
use crate::load;
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
