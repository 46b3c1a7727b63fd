//! A purchase worker for one test, on a thread and runtime of its own.

use std::sync::mpsc;
use std::time::Duration;

use boxoffice_activities::mail::Links;
use boxoffice_activities::payments::Stripe;
use boxoffice_runtime::mail::{Delivery, Mail, Pacing};
use boxoffice_runtime::worker::PurchaseWorker;
use boxoffice_workflows::SagaSettings;
use tokio::sync::oneshot;

/// Quick polls and retries, so tests of delivery wait briefly.
const TEST_PACING: Pacing = Pacing {
    poll: Duration::from_millis(250),
    lease: Duration::from_secs(10),
    first_retry: Duration::from_millis(200),
    max_retry: Duration::from_secs(1),
    batch: 20,
};

/// A purchase worker for one test: its own thread and runtime (so it outlives nothing and blocks
/// no test runtime at exit), its own database and Temporal connections, its own task queue.
pub struct TestWorker {
    /// Stopping must happen on the worker's own runtime: the SDK spawns its shutdown RPC there.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Where its Temporal SDK metrics are exported.
    pub metrics_addr: std::net::SocketAddr,
}

pub struct WorkerConfig {
    pub database_url: String,
    pub temporal_address: String,
    pub stripe_api_base: String,
    /// The app's: its task queue, and for handed-over orders its hold and most holds.
    pub saga: SagaSettings,
    /// Where its dispatcher sends the outbox's messages; `None`: nowhere (recorded, not sent).
    pub smtp_url: Option<String>,
}

impl TestWorker {
    pub fn start(config: WorkerConfig) -> Self {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("worker-{}", config.saga.task_queue))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("worker runtime");
                runtime.block_on(async move {
                    let db = boxoffice_activities::db::connect(&config.database_url)
                        .await
                        .expect("worker database");
                    let client =
                        boxoffice_runtime::temporal::connect(&config.temporal_address, "default")
                            .await
                            .expect("worker temporal client");
                    let stripe = Stripe::new(
                        stripe_emulator::TEST_SECRET_KEY,
                        Some(&config.stripe_api_base),
                    )
                    .expect("stripe client");
                    let delivery = match config.smtp_url {
                        Some(url) => Delivery::smtp(&url.into(), "boxoffice <shop@boxoffice.test>")
                            .expect("an SMTP URL"),
                        None => Delivery::Off,
                    };
                    let mut running = PurchaseWorker {
                        db,
                        temporal: client,
                        stripe,
                        saga: config.saga,
                        mail: Mail {
                            links: Links::new(crate::mail::PUBLIC_URL),
                            delivery,
                            pacing: TEST_PACING,
                        },
                    }
                    .start()
                    .await
                    .expect("start worker");
                    ready_tx.send(running.metrics_addr()).expect("report ready");
                    let ended = tokio::select! {
                        _ = stop_rx => running.stop().await,
                        ended = running.finished() => ended.unwrap_or_else(|err| Err(err.into())),
                    };
                    if let Err(err) = ended {
                        eprintln!("test worker ended with an error: {err:#}");
                    }
                });
                // The SDK's worker thread may outlive a shutdown it could not finish; don't wait.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn worker thread");
        let metrics_addr = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("worker started");
        Self {
            stop: Some(stop_tx),
            thread: Some(thread),
            metrics_addr,
        }
    }

    /// Stops the worker and waits for its thread, as a crashed or redeployed worker would go away.
    pub fn stop(mut self) {
        self.shutdown_and_join();
    }

    fn shutdown_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.shutdown_and_join();
    }
}
