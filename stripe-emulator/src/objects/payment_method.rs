//! Stripe's PaymentMethod object (cards only) as the emulator stores it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::cards::Card;
use crate::ids::{new_id, unix_now};

#[derive(Debug, Clone)]
pub(crate) struct PaymentMethod {
    pub(crate) id: String,
    created: i64,
    pub(crate) card: Card,
    billing_details: Map<String, Value>,
    metadata: BTreeMap<String, String>,
}

impl PaymentMethod {
    pub(crate) fn new(
        card: Card,
        billing_details: Map<String, Value>,
        metadata: BTreeMap<String, String>,
    ) -> Self {
        Self {
            id: new_id("pm"),
            created: unix_now(),
            card,
            billing_details,
            metadata,
        }
    }

    /// Stripe's PaymentMethod object. Every field `stripe_shared::PaymentMethod` knows is
    /// present, null when it does not apply to a card.
    pub(crate) fn to_json(&self) -> Value {
        let card = &self.card;
        let detail = |field: &str| {
            self.billing_details
                .get(field)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let address = self
            .billing_details
            .get("address")
            .and_then(Value::as_object);
        let address_field = |field: &str| {
            address
                .and_then(|a| a.get(field))
                .cloned()
                .unwrap_or(Value::Null)
        };
        json!({
            "id": self.id,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {
                "address": {
                    "city": address_field("city"),
                    "country": address_field("country"),
                    "line1": address_field("line1"),
                    "line2": address_field("line2"),
                    "postal_code": address_field("postal_code"),
                    "state": address_field("state"),
                },
                "email": detail("email"),
                "name": detail("name"),
                "phone": detail("phone"),
                "tax_id": null,
            },
            "card": {
                "brand": card.brand,
                "checks": {
                    "address_line1_check": null,
                    "address_postal_code_check": null,
                    "cvc_check": if card.cvc_provided { Value::from("unchecked") } else { Value::Null },
                },
                "country": "US",
                "display_brand": card.brand,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "fingerprint": card.fingerprint,
                "funding": card.funding,
                "generated_from": null,
                "last4": card.last4,
                "networks": { "available": [card.brand], "preferred": null },
                "regulated_status": "unregulated",
                "three_d_secure_usage": { "supported": true },
                "wallet": null,
            },
            "created": self.created,
            "customer": null,
            "customer_account": null,
            "livemode": false,
            "metadata": self.metadata,
            "radar_options": {},
            "type": "card",
        })
    }
}
