//! The Temporal SDK's own metrics of a worker in this process. The SDK keeps them in a registry of
//! its own behind a Prometheus exporter; the worker runs that exporter on a loopback port for as
//! long as it runs, and the gateway's `/metrics` appends what it serves (see
//! `boxoffice_api::metrics::SdkMetrics`).

use std::net::SocketAddr;
use std::sync::Arc;

use temporalio_common::telemetry::metrics::CoreMeter;
use temporalio_common::telemetry::{PrometheusExporterOptions, start_prometheus_metric_exporter};

/// A worker's SDK exporter: where it listens, and how to stop it with the worker.
pub struct SdkExporter {
    pub addr: SocketAddr,
    abort: tokio::task::AbortHandle,
}

impl SdkExporter {
    pub fn stop(&self) {
        self.abort.abort();
    }
}

/// A meter for the Temporal SDK runtime, exported on a loopback port that `/metrics` reads.
pub fn sdk_meter() -> anyhow::Result<(Arc<dyn CoreMeter>, SdkExporter)> {
    let options = PrometheusExporterOptions::builder()
        .socket_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .counters_total_suffix(true)
        .unit_suffix(true)
        .use_seconds_for_durations(true)
        .build();
    let exporter = start_prometheus_metric_exporter(options)?;
    let handle = SdkExporter {
        addr: exporter.bound_addr,
        abort: exporter.abort_handle,
    };
    Ok((exporter.meter, handle))
}
