//! The saga's outcomes as Prometheus metrics, in the process's default registry (the gateway's
//! `/metrics` serves it). Each is recorded by the activity call that made the change, never by a
//! retry that finds it done, so every order counts once.

use std::sync::LazyLock;

use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts};

use crate::store::orders::Ended;

static ORDERS_ENDED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    let counter = IntCounterVec::new(
        Opts::new(
            "boxoffice_orders_ended_total",
            "Orders that reached an outcome, by outcome (complete, expired, cancelled)",
        ),
        &["outcome"],
    )
    .expect("valid metric");
    register(Box::new(counter.clone()));
    counter
});

static HOLD_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    let histogram = HistogramVec::new(
        HistogramOpts::new(
            "boxoffice_order_hold_duration_seconds",
            "How long orders held their ticket, from placing to outcome, by outcome",
        )
        .buckets(vec![
            1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0,
        ]),
        &["outcome"],
    )
    .expect("valid metric");
    register(Box::new(histogram.clone()));
    histogram
});

static REFUNDS: LazyLock<IntCounter> = LazyLock::new(|| {
    let counter = IntCounter::new(
        "boxoffice_charges_refunded_total",
        "Charges given back because their order could not be completed",
    )
    .expect("valid metric");
    register(Box::new(counter.clone()));
    counter
});

fn register(collector: Box<dyn prometheus::core::Collector>) {
    if let Err(err) = prometheus::register(collector) {
        tracing::warn!(error = %err, "metric not registered");
    }
}

pub fn order_ended(outcome: &str, ended: Ended) {
    ORDERS_ENDED.with_label_values(&[outcome]).inc();
    HOLD_DURATION
        .with_label_values(&[outcome])
        .observe(ended.held_for.as_secs_f64());
}

pub fn charge_refunded() {
    REFUNDS.inc();
}
