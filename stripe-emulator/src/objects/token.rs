//! Stripe's card Token object as the emulator stores it. Whether one can still be spent is decided
//! in `tokens`.

use serde_json::{Value, json};

use crate::cards::{self, Card};
use crate::ids::{new_id, unix_now};

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) id: String,
    /// The id of the Card object the token carries.
    card_id: String,
    created: i64,
    pub(crate) card: Card,
    pub(crate) used: bool,
}

impl Token {
    pub(crate) fn new(id: String, card: Card) -> Self {
        Self {
            id,
            card_id: new_id("card"),
            created: unix_now(),
            card,
            used: false,
        }
    }

    /// Stripe's Token object, with every field `stripe_shared::Token` knows.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "token",
            "card": card_object(&self.card_id, &self.card),
            "client_ip": null,
            "created": self.created,
            "livemode": false,
            "type": "card",
            "used": self.used,
        })
    }
}

/// Stripe's Card object as a token carries it. Unlike a PaymentMethod's `card`, it spells the
/// brand out (`Visa`, `MasterCard`).
fn card_object(id: &str, card: &Card) -> Value {
    json!({
        "id": id,
        "object": "card",
        "address_city": null,
        "address_country": null,
        "address_line1": null,
        "address_line1_check": null,
        "address_line2": null,
        "address_state": null,
        "address_zip": null,
        "address_zip_check": null,
        "allow_redisplay": "unspecified",
        "brand": cards::card_object_brand(card.brand),
        "country": "US",
        "cvc_check": if card.cvc_provided { Value::from("unchecked") } else { Value::Null },
        "dynamic_last4": null,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "fingerprint": card.fingerprint,
        "funding": card.funding,
        "last4": card.last4,
        "metadata": {},
        "name": null,
        "networks": { "preferred": null },
        "regulated_status": "unregulated",
        "tokenization_method": null,
        "wallet": null,
    })
}
