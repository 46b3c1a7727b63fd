//! The charges behind PaymentIntents, as the emulator stores them.

/// The charge a confirmation attempt creates. Not served, since boxoffice never reads charges, but
/// refunds are made against it and PaymentIntents point at it through `latest_charge`.
#[derive(Debug, Clone)]
pub(crate) struct Charge {
    pub(crate) id: String,
    pub(crate) payment_intent: String,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) amount_refunded: i64,
    pub(crate) succeeded: bool,
}
