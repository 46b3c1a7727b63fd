//! Every Stripe object the emulator holds. One lock guards all of them, so each request sees and
//! leaves a consistent state; it is never held across an `.await`.

use std::collections::HashMap;

use serde_json::Value;

use crate::objects::{Charge, PaymentIntent, PaymentMethod, Refund, Token};
use crate::pagination::Listable;

#[derive(Debug, Default)]
pub(crate) struct Store {
    last_sequence: u64,
    pub(crate) payment_methods: HashMap<String, PaymentMethod>,
    pub(crate) payment_intents: HashMap<String, PaymentIntent>,
    pub(crate) charges: HashMap<String, Charge>,
    pub(crate) refunds: HashMap<String, Refund>,
    /// Created tokens; Stripe's test tokens are not stored.
    pub(crate) tokens: HashMap<String, Token>,
}

impl Store {
    /// Creation order. `created` only has one-second resolution, so lists sort on this instead.
    pub(crate) fn next_sequence(&mut self) -> u64 {
        self.last_sequence += 1;
        self.last_sequence
    }

    pub(crate) fn payment_intents_oldest_first(&self) -> Vec<Value> {
        oldest_first(self.payment_intents.values())
    }

    pub(crate) fn refunds_oldest_first(&self) -> Vec<Value> {
        oldest_first(self.refunds.values())
    }
}

fn oldest_first<'a, T: Listable + 'a>(items: impl Iterator<Item = &'a T>) -> Vec<Value> {
    let mut items: Vec<&T> = items.collect();
    items.sort_by_key(|item| item.sequence());
    items.into_iter().map(Listable::to_json).collect()
}
