//! Fault injection for tests: responses held back after the request took effect (a response lost
//! to a client timeout) and failures before it took effect (Stripe having a bad moment).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

#[derive(Debug, Default)]
pub(crate) struct Faults {
    failures_left: AtomicUsize,
    delays: Mutex<ScheduledDelays>,
}

#[derive(Debug, Default)]
struct ScheduledDelays {
    left: usize,
    each: Duration,
}

impl Faults {
    /// Replaces whatever was scheduled before, so a test states the whole plan.
    pub(crate) fn fail_next_requests(&self, count: usize) {
        self.failures_left.store(count, Ordering::SeqCst);
    }

    /// Replaces whatever was scheduled before, so a test states the whole plan.
    pub(crate) fn delay_next_responses(&self, count: usize, each: Duration) {
        *self.delays.lock().unwrap_or_else(PoisonError::into_inner) =
            ScheduledDelays { left: count, each };
    }

    /// Whether this request should fail; consumes one scheduled failure.
    pub(crate) fn take_failure(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    /// Sleeps if a delay is scheduled; consumes one.
    pub(crate) async fn delay_response(&self) {
        let delay = {
            let mut delays = self.delays.lock().unwrap_or_else(PoisonError::into_inner);
            if delays.left == 0 {
                return;
            }
            delays.left -= 1;
            delays.each
        };
        tokio::time::sleep(delay).await;
    }
}
