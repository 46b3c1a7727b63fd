//! The saga's outcomes as Prometheus metrics, in the process's default registry (the gateway's
//! `/metrics` serves it). Each is recorded by the activity call that made the change, never by a
//! retry that finds it done, so every order counts once.

use std::sync::LazyLock;

use prometheus::{
    Gauge, HistogramVec, IntCounter, IntCounterVec, IntGauge, register_gauge,
    register_histogram_vec, register_int_counter, register_int_counter_vec, register_int_gauge,
};

use crate::store::orders::Ended;

// Each is registered once, on first use, in the default registry.
static ORDERS_ENDED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "boxoffice_orders_ended_total",
        "Orders that reached an outcome, by outcome (complete, expired, cancelled)",
        &["outcome"]
    )
    .expect("registered once")
});

static HOLD_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "boxoffice_order_hold_duration_seconds",
        "How long orders held their ticket, from placing to outcome, by outcome",
        &["outcome"],
        vec![
            1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0
        ]
    )
    .expect("registered once")
});

static REFUNDS: LazyLock<IntCounter> = LazyLock::new(|| {
    register_int_counter!(
        "boxoffice_charges_refunded_total",
        "Charges given back because their order could not be completed"
    )
    .expect("registered once")
});

pub fn order_ended(outcome: &str, ended: Ended) {
    ORDERS_ENDED.with_label_values(&[outcome]).inc();
    HOLD_DURATION
        .with_label_values(&[outcome])
        .observe(ended.held_for.as_secs_f64());
}

pub fn charge_refunded() {
    REFUNDS.inc();
}

static MAIL_SENT: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "boxoffice_mail_sent_total",
        "Messages the SMTP server accepted, by kind (receipt, sold, hold_ended, your_turn, refunded, sale_refunded)",
        &["kind"]
    )
    .expect("registered once")
});

static MAIL_FAILED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "boxoffice_mail_failed_total",
        "Delivery attempts that failed (each is retried), by reason (connection, timeout, recipient, rejected, off, other)",
        &["reason"]
    )
    .expect("registered once")
});

static MAIL_PENDING: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!(
        "boxoffice_mail_pending",
        "Messages in the outbox not sent yet"
    )
    .expect("registered once")
});

static MAIL_OLDEST: LazyLock<Gauge> = LazyLock::new(|| {
    register_gauge!(
        "boxoffice_mail_oldest_pending_seconds",
        "Age of the oldest message not sent yet (0 when none waits)"
    )
    .expect("registered once")
});

pub fn mail_sent(kind: &str) {
    MAIL_SENT.with_label_values(&[kind]).inc();
}

pub fn mail_failed(reason: &str) {
    MAIL_FAILED.with_label_values(&[reason]).inc();
}

pub fn mail_backlog(pending: u64, oldest_age_secs: f64) {
    MAIL_PENDING.set(i64::try_from(pending).unwrap_or(i64::MAX));
    MAIL_OLDEST.set(oldest_age_secs);
}
