//! Stripe's Refund object as the emulator stores it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::pagination::Listable;

#[derive(Debug, Clone)]
pub(crate) struct Refund {
    pub(crate) id: String,
    pub(crate) sequence: u64,
    pub(crate) created: i64,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) charge: String,
    pub(crate) payment_intent: String,
    pub(crate) reason: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
}

impl Listable for Refund {
    fn id(&self) -> &str {
        &self.id
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn created(&self) -> i64 {
        self.created
    }

    /// Stripe's Refund object, with every field `stripe_shared::Refund` knows.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "refund",
            "amount": self.amount,
            "balance_transaction": null,
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "customer": null,
            "customer_account": null,
            "description": null,
            "destination_details": null,
            "failure_balance_transaction": null,
            "failure_reason": null,
            "instructions_email": null,
            "metadata": self.metadata,
            "next_action": null,
            "payment_intent": self.payment_intent,
            "payment_method": null,
            "pending_reason": null,
            "presentment_details": null,
            "reason": self.reason,
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": "succeeded",
            "transfer_reversal": null,
        })
    }
}
