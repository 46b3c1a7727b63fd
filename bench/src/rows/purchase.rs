//! `purchase` (order and pay, buyers at once) and `order` (one order at a time).

use reqwest::StatusCode;

use super::{expect, list_tickets, ms, progress, run_concurrently, sign_up_many};
use crate::http::{Session, Shop, id_of};
use crate::report::{Row, Samples};

/// What the purchase row leaves for the actions row.
pub struct Purchases {
    pub row: Row,
    pub order_ids: Vec<String>,
}

/// `purchase`: order + pay, `concurrency` buyers at a time.
pub async fn purchases(
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
