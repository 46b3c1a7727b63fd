//! The Temporal worker for the purchase saga. `Worker::run` is `!Send` (workflows use `Rc`), so it
//! runs on a blocking thread of its own, driving a `LocalSet` with the caller's runtime.

use anyhow::Context;
use boxoffice_activities::payments::Stripe;
use boxoffice_activities::purchase::PurchaseActivities;
use boxoffice_activities::refund::RefundActivities;
use boxoffice_workflows::purchase::start::hand_over;
use boxoffice_workflows::{PurchaseWorkflow, RefundWorkflow, SagaSettings};
use sea_orm::DatabaseConnection;
use temporalio_client::Client;

use crate::mail::{Dispatcher, Mail};
use crate::sdk_metrics::{self, SdkExporter};
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk::runtime::RuntimeOptions;
use temporalio_sdk::{Runtime, Worker, WorkerOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The purchase saga's worker, as `worker`, `dev` and the tests run it: `PurchaseWorkflow` and
/// its activities on the saga's task queue, with releases that hand their ticket to the waiting
/// list and start the member's saga; staff's `RefundWorkflow` with its activities, whose
/// refunds hand tickets over the same way; and beside them, the outbox's mail dispatcher.
pub struct PurchaseWorker {
    pub db: DatabaseConnection,
    pub temporal: Client,
    pub stripe: Stripe,
    pub saga: SagaSettings,
    pub mail: Mail,
}

impl PurchaseWorker {
    /// Starts polling; returns once the worker runs.
    pub async fn start(self) -> anyhow::Result<RunningWorker> {
        let Self {
            db,
            temporal,
            stripe,
            saga,
            mail,
        } = self;
        let task_queue = saga.task_queue.clone();
        let dispatcher = Dispatcher::spawn(db.clone(), mail.delivery, mail.pacing);
        let hand_over = hand_over(temporal.clone(), saga);
        let activities = PurchaseActivities::new(db, stripe)
            .with_hand_over(hand_over)
            .with_links(mail.links);
        let refunds = RefundActivities::beside(&activities);
        let mut running = start(temporal, move || {
            let options = WorkerOptions::new(task_queue)
                .register_workflow::<PurchaseWorkflow>()?
                .register_workflow::<RefundWorkflow>()?
                .register_activities(activities)
                .register_activities(refunds)
                .build();
            Ok(tuned(options))
        })
        .await?;
        running.dispatcher = Some(dispatcher);
        Ok(running)
    }
}

/// Asks a worker to stop polling; in-flight tasks finish first. It spawns an RPC on the current
/// runtime, so it must be called from within the worker's runtime.
type ShutdownHandle = Box<dyn Fn() + Send + Sync>;

const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

pub struct RunningWorker {
    shutdown: ShutdownHandle,
    finished: JoinHandle<anyhow::Result<()>>,
    metrics: SdkExporter,
    /// The outbox's dispatcher, for a purchase worker.
    dispatcher: Option<Dispatcher>,
}

/// Starts a worker with the options `options` builds (on the worker's own thread); returns once it
/// is constructed and polling.
pub async fn start(
    client: Client,
    options: impl FnOnce() -> anyhow::Result<WorkerOptions> + Send + 'static,
) -> anyhow::Result<RunningWorker> {
    let runtime_handle = tokio::runtime::Handle::current();
    let (ready_tx, ready_rx) = oneshot::channel();
    let finished = tokio::task::spawn_blocking(move || {
        runtime_handle.block_on(tokio::task::LocalSet::new().run_until(async move {
            let built = options().and_then(|options| build(client, options));
            let (mut worker, metrics) = match built {
                Ok(built) => built,
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                    return Ok(());
                }
            };
            let shutdown = Box::new(worker.shutdown_handle()) as ShutdownHandle;
            let _ = ready_tx.send(Ok((shutdown, metrics)));
            worker.run().await.context("the worker stopped")
        }))
    });
    let (shutdown, metrics) = ready_rx
        .await
        .context("the worker thread ended before starting")??;
    tracing::info!("worker polling");
    Ok(RunningWorker {
        shutdown,
        metrics,
        dispatcher: None,
        finished: tokio::spawn(
            async move { finished.await.context("the worker thread panicked")? },
        ),
    })
}

/// The settings every worker of this project runs with (the bench's baseline worker included, so
/// that it measures the same thing).
pub fn tuned(mut options: WorkerOptions) -> WorkerOptions {
    // Every live hold is a workflow waiting on its timer; a worker that has evicted it from its
    // sticky cache must fetch and replay its whole history when the timer fires. The SDK's 1,000
    // is far below an on-sale day's holds; a cached purchase costs a few kilobytes.
    options.max_cached_workflows = MAX_CACHED_WORKFLOWS;
    options
}

/// See [`tuned`].
pub const MAX_CACHED_WORKFLOWS: usize = 20_000;

fn build(client: Client, options: WorkerOptions) -> anyhow::Result<(Worker, SdkExporter)> {
    let (meter, exporter) = sdk_metrics::sdk_meter()?;
    let telemetry = TelemetryOptions::builder().metrics(meter).build();
    let runtime_options = RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .build()
        .map_err(anyhow::Error::msg)?;
    let runtime = Runtime::from_current_tokio(runtime_options)
        .context("cannot create the Temporal SDK runtime")?;
    let worker = Worker::new(&runtime, client, options).context("cannot create the worker")?;
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
        if let Some(dispatcher) = self.dispatcher {
            dispatcher.stop().await;
        }
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
