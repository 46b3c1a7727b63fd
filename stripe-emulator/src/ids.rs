//! Object ids shaped like Stripe's: a type prefix, an underscore and random base62.

use rand::Rng;
use rand::distr::Alphanumeric;

/// `new_id("pi")` → `pi_…` with 24 random characters, as long as Stripe's.
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_alphanumeric(24))
}

/// A PaymentIntent's client secret: `<id>_secret_<random>`, the form Stripe.js expects.
pub(crate) fn client_secret(payment_intent_id: &str) -> String {
    format!("{payment_intent_id}_secret_{}", random_alphanumeric(25))
}

fn random_alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Seconds since the Unix epoch, the unit of every Stripe timestamp.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
