//! The Temporal worker for the purchase saga. `Worker::run` is `!Send` (workflows use `Rc`), so it
//! runs on a blocking thread of its own, driving a `LocalSet` with the caller's runtime.

use anyhow::Context;
use boxoffice_activities::purchase::PurchaseActivities;
use boxoffice_workflows::PurchaseWorkflow;
use temporalio_client::Client;

use crate::metrics::{self, SdkExporter};
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk::runtime::RuntimeOptions;
use temporalio_sdk::{Runtime, Worker, WorkerOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Asks a worker to stop polling; in-flight tasks finish first. It spawns an RPC on the current
/// runtime, so it must be called from within the worker's runtime.
type ShutdownHandle = Box<dyn Fn() + Send + Sync>;

const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

pub struct RunningWorker {
    shutdown: ShutdownHandle,
    finished: JoinHandle<anyhow::Result<()>>,
    metrics: SdkExporter,
}

/// Starts a worker polling `task_queue`; returns once it is constructed and polling.
pub async fn start(
    client: Client,
    task_queue: &str,
    activities: PurchaseActivities,
) -> anyhow::Result<RunningWorker> {
    let runtime_handle = tokio::runtime::Handle::current();
    let task_queue = task_queue.to_owned();
    let (ready_tx, ready_rx) = oneshot::channel();
    let finished = tokio::task::spawn_blocking(move || {
        runtime_handle.block_on(tokio::task::LocalSet::new().run_until(async move {
            let built = build(client, &task_queue, activities);
            let (mut worker, metrics) = match built {
                Ok(built) => built,
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                    return Ok(());
                }
            };
            let shutdown = Box::new(worker.shutdown_handle()) as ShutdownHandle;
            let _ = ready_tx.send(Ok((shutdown, metrics)));
            worker.run().await.context("the purchase worker stopped")
        }))
    });
    let (shutdown, metrics) = ready_rx
        .await
        .context("the purchase worker thread ended before starting")??;
    tracing::info!("purchase worker polling");
    Ok(RunningWorker {
        shutdown,
        metrics,
        finished: tokio::spawn(async move {
            finished
                .await
                .context("the purchase worker thread panicked")?
        }),
    })
}

fn build(
    client: Client,
    task_queue: &str,
    activities: PurchaseActivities,
) -> anyhow::Result<(Worker, SdkExporter)> {
    let (meter, exporter) = metrics::sdk_meter()?;
    let telemetry = TelemetryOptions::builder().metrics(meter).build();
    let options = RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .build()
        .map_err(anyhow::Error::msg)?;
    let runtime =
        Runtime::from_current_tokio(options).context("cannot create the Temporal SDK runtime")?;
    let options = WorkerOptions::new(task_queue)
        .register_workflow::<PurchaseWorkflow>()?
        .register_activities(activities)
        .build();
    let worker =
        Worker::new(&runtime, client, options).context("cannot create the purchase worker")?;
    Ok((worker, exporter))
}

impl RunningWorker {
    /// Stops polling, lets running tasks finish, and waits for the worker to end. Without an
    /// explicit shutdown the worker's thread never returns and the process hangs at exit.
    ///
    /// The wait is bounded: after an activity attempt timed out on the server, the SDK's graceful
    /// shutdown was seen to wait forever for it. Temporal retries whatever was cut short.
    pub async fn stop(self) -> anyhow::Result<()> {
        (self.shutdown)();
        self.metrics.stop();
        match tokio::time::timeout(SHUTDOWN_GRACE, self.finished).await {
            Ok(finished) => finished?,
            Err(_) => {
                tracing::warn!(grace = ?SHUTDOWN_GRACE, "the purchase worker did not stop in time; leaving it");
                Ok(())
            }
        }
    }

    /// Where the worker's Temporal SDK metrics are exported (for `/metrics`).
    pub fn metrics_addr(&self) -> std::net::SocketAddr {
        self.metrics.addr
    }

    /// Resolves if the worker ends on its own (an unrecoverable error).
    pub fn finished(&mut self) -> &mut JoinHandle<anyhow::Result<()>> {
        &mut self.finished
    }
}
