//! How the saga's steps are run: timeouts, retries, and whether a step runs as a local activity
//! (inside the workflow task, for the short database steps) or is scheduled through the server.

use std::time::Duration;

use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityOptions, LocalActivityOptions};

/// A Stripe call that outlives this is treated as lost and retried with the same idempotency key.
pub const CHARGE_TIMEOUT: Duration = Duration::from_secs(10);

/// The quick charge's retries wait on a timer from this backoff on (see `quick_charge`).
const QUICK_CHARGE_BACKOFF_AS_TIMER: Duration = Duration::from_secs(1);

/// A local activity whose next retry is further off than this waits on a durable timer instead of
/// holding the workflow task open.
const LOCAL_BACKOFF_AS_TIMER: Duration = Duration::from_secs(5);

/// Retry forever, in practice: a compensation must end in success, however long the database is
/// away. (A local activity needs some bound; the SDK's default of 100 s would give up.)
const COMPENSATE_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

pub fn retries(maximum_attempts: u32) -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_millis(200))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(5))
        .maximum_attempts(maximum_attempts)
        .build()
}

/// A database step that may fail for good after a few tries, scheduled through the server.
pub fn database_step(summary: &str, maximum_attempts: u32) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10))
        .retry_policy(retries(maximum_attempts))
        .summary(summary.to_owned())
        .build()
}

/// The same step run as a local activity.
pub fn local_database_step(summary: &str, maximum_attempts: u32) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(10))
        .schedule_to_close_timeout(Duration::from_secs(60))
        .retry_policy(retries(maximum_attempts))
        .timer_backoff_threshold(LOCAL_BACKOFF_AS_TIMER)
        .summary(summary.to_owned())
        .build()
}

/// Compensations retry until they succeed: a hold must end and money must go back.
pub fn compensation(summary: &str) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(15))
        .retry_policy(retries(0))
        .summary(summary.to_owned())
        .build()
}

/// A compensation that touches only the database, run as a local activity.
pub fn local_compensation(summary: &str) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(15))
        .schedule_to_close_timeout(COMPENSATE_FOR)
        .retry_policy(retries(0))
        .timer_backoff_threshold(LOCAL_BACKOFF_AS_TIMER)
        .summary(summary.to_owned())
        .build()
}

/// The charge: unlimited retries with the attempt's idempotency key, so a transient fault never
/// leaves the outcome unknown.
pub fn charge(summary: String) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(CHARGE_TIMEOUT)
        .retry_policy(retries(0))
        .summary(summary)
        .build()
}

/// How long a charge may try in a local activity before it moves to a scheduled one.
const QUICK_CHARGE_WINDOW: Duration = Duration::from_secs(20);

/// The lean saga's first try at a charge: a local activity that retries transient faults for a
/// short window, with the same idempotency key as every later try.
pub fn quick_charge(summary: String) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(CHARGE_TIMEOUT)
        .schedule_to_close_timeout(QUICK_CHARGE_WINDOW)
        .retry_policy(retries(0))
        // sdk-core checks the window only while an attempt runs; a charge that fails fast (Stripe
        // refusing connections) would wait out its backoffs in memory and retry as a local
        // activity for ever. Waiting on a timer from the second second on makes each retry a new
        // request, which the window is checked against: the charge then moves on to the
        // scheduled activity, and the order shows `Charging`.
        .timer_backoff_threshold(QUICK_CHARGE_BACKOFF_AS_TIMER)
        .summary(summary)
        .build()
}

/// The card lookup of runs from before the lean saga: only a label, so a few tries are enough.
pub fn card_lookup() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(5))
        .retry_policy(retries(3))
        .summary("look up the card".to_owned())
        .build()
}
