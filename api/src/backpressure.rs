//! Load shedding. When Temporal, the database or password hashing is saturated, a buyer is better
//! served by a fast "busy, try again in a few seconds" (503 + `Retry-After`) than by a request
//! that queues into a timeout. The gateway bounds its in-flight Temporal calls with [`TemporalGate`];
//! the database pool and the hashing pool bound themselves.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::metrics;

/// Calls to Temporal (workflow starts and updates) one gateway has in flight at most. Each holds
/// one of the namespace's long-poll slots on the server until answered; a burst beyond what the
/// server can take only turns into `ResourceExhausted` after the client's retries.
pub const MAX_TEMPORAL_CALLS: usize = 64;

/// How long a request may wait for one of those slots before it is shed.
pub const TEMPORAL_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// How long a buyer who won an admission claim may wait for a slot to start their saga. They are
/// at most one per ticket on sale, so their queue is as long as an on-sale's tickets, not its
/// crowd; shedding one would leave a ticket unheld that others were just refused.
pub const ADMITTED_QUEUE_WAIT: Duration = Duration::from_secs(6);

/// What a shed request's `Retry-After` says, in seconds.
pub const RETRY_AFTER_SECS: u64 = 2;

/// A request shed because this was saturated. Build it with [`shed`], which counts it; the
/// gateway answers it with a 503 and `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{} is saturated", self.as_str())]
pub enum Saturated {
    Temporal,
    Database,
    Passwords,
}

impl Saturated {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Temporal => "temporal",
            Self::Database => "database",
            Self::Passwords => "passwords",
        }
    }
}

/// Sheds a request because `what` is saturated; counted in
/// `boxoffice_http_requests_shed_total{reason}`.
pub fn shed(what: Saturated) -> Saturated {
    metrics::request_shed(what.as_str());
    what
}

/// Bounds a gateway's in-flight Temporal calls; excess requests wait briefly, then are shed.
#[derive(Debug, Clone)]
pub struct TemporalGate {
    permits: Arc<Semaphore>,
    wait: Duration,
    admitted_wait: Duration,
}

impl TemporalGate {
    /// At most `max_in_flight` calls; a request waits up to `wait` for a slot, an admitted order
    /// up to `admitted_wait`.
    pub fn new(max_in_flight: usize, wait: Duration, admitted_wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_in_flight)),
            wait,
            admitted_wait,
        }
    }

    /// A slot for one Temporal call, held until the permit is dropped; shed when none frees up
    /// in time.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Saturated> {
        self.enter_within(self.wait).await
    }

    /// A slot to start the saga of an order that won its admission claim.
    pub async fn enter_admitted(&self) -> Result<OwnedSemaphorePermit, Saturated> {
        self.enter_within(self.admitted_wait).await
    }

    async fn enter_within(&self, wait: Duration) -> Result<OwnedSemaphorePermit, Saturated> {
        match tokio::time::timeout(wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out, or (never: it is not closed) the semaphore was closed.
            _ => Err(shed(Saturated::Temporal)),
        }
    }
}

impl Default for TemporalGate {
    fn default() -> Self {
        Self::new(MAX_TEMPORAL_CALLS, TEMPORAL_QUEUE_WAIT, ADMITTED_QUEUE_WAIT)
    }
}
