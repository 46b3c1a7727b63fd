//! `mail`: how long after the state change the SMTP server accepted the messages the purchases
//! produced — each paid order's receipt (to the buyer) and sold notice (to the seller).
//!
//! Both ends are read from the shop's transactional outbox: `created_at` is stamped inside the
//! transaction that completes the order, `sent_at` the moment the dispatcher's SMTP client got the
//! server's `250` to the message (dev's MailDev). So the figure is the whole path a message takes
//! — the outbox, the dispatcher's polling, the SMTP conversation — and nothing of the bench's own.

use std::time::{Duration, Instant};

use boxoffice_activities::entities::outbox;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{ms, progress};
use crate::report::{Row, Samples};

/// How long the row waits for the last message to be accepted.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// The two messages a paid order produces, by kind.
const KINDS: [&str; 2] = ["receipt", "sold"];

/// `mail`: the receipts and sold notices of `paid_orders`, from the shop's database at
/// `database_url`.
pub async fn after_purchases(database_url: &str, paid_orders: &[String]) -> anyhow::Result<Row> {
    let message_ids: Vec<String> = paid_orders
        .iter()
        .flat_map(|order| KINDS.map(|kind| format!("<{kind}.{order}@boxoffice>")))
        .collect();
    progress(format!(
        "mail: waiting for {} messages to be accepted by the SMTP server",
        message_ids.len()
    ));
    let db = boxoffice_activities::db::connect(database_url).await?;
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let rows = loop {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::MessageId.is_in(message_ids.clone()))
            .all(&db)
            .await?;
        let all_sent = rows.len() == message_ids.len() && rows.iter().all(|r| r.sent_at.is_some());
        if all_sent || Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    db.close().await?;

    let mut all = Samples::default();
    let mut receipts = Samples::default();
    for row in &rows {
        let Some(sent_at) = row.sent_at else { continue };
        let latency = after(row.created_at, sent_at);
        if row.kind == "receipt" {
            receipts.push(latency);
        }
        all.push(latency);
    }
    let retried = rows.iter().filter(|row| row.attempts > 1).count();
    Ok(Row::new(
        "mail",
        format!(
            "receipt and sold notice of each of the {} paid orders of `purchase`: from the outbox \
             row's created_at (in the transaction that completes the order) to its sent_at (when \
             the SMTP server, dev's MailDev, answered 250 to the message)",
            paid_orders.len()
        ),
    )
    .latencies(&all)
    .figure("receipt p50 ms", ms(receipts.quantile(0.5)))
    .figure("receipt p99 ms", ms(receipts.quantile(0.99)))
    .figure("not accepted", message_ids.len() - all.len())
    .figure("retried", retried))
}

fn after(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).to_std().unwrap_or_default()
}
