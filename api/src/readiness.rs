//! Whether this process can serve: its database and Temporal answer. Probed at most once a
//! second whoever asks, since `/readyz` is public.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use temporalio_client::Client;

use crate::temporal;

/// How long one probe's answer stands for every caller.
const PROBE_FRESH_FOR: Duration = Duration::from_secs(1);

/// When a probe ran, and what did not answer it.
type Probe = (Instant, Vec<&'static str>);

/// The last readiness probe, shared: `/readyz` is public, so a flood of it costs the database and
/// Temporal one probe a second, not one per request. Callers that arrive while a probe runs wait
/// for its answer. Cheap to clone.
#[derive(Clone, Default)]
pub struct Readiness {
    last: Arc<tokio::sync::Mutex<Option<Probe>>>,
    probes: Arc<AtomicU64>,
}

impl Readiness {
    /// What does not answer (`database`, `temporal`), as of at most a second ago.
    pub async fn unreachable(&self, db: &DatabaseConnection, client: &Client) -> Vec<&'static str> {
        let mut last = self.last.lock().await;
        if let Some((at, down)) = last.as_ref()
            && at.elapsed() < PROBE_FRESH_FOR
        {
            return down.clone();
        }
        self.probes.fetch_add(1, Ordering::Relaxed);
        let (database, temporal) = tokio::join!(db.ping(), temporal::is_ready(client));
        let down: Vec<&'static str> = [
            database.is_err().then_some("database"),
            (!temporal).then_some("temporal"),
        ]
        .into_iter()
        .flatten()
        .collect();
        *last = Some((Instant::now(), down.clone()));
        down
    }

    /// How many probes have run, for tests of the sharing.
    pub fn probes(&self) -> u64 {
        self.probes.load(Ordering::Relaxed)
    }
}
