//! Stripe's PaymentIntent object as the emulator stores it. Creating, confirming and charging one
//! is request logic, in `payment_intents`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::pagination::Listable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    RequiresPaymentMethod,
    RequiresConfirmation,
    Succeeded,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::RequiresPaymentMethod => "requires_payment_method",
            Self::RequiresConfirmation => "requires_confirmation",
            Self::Succeeded => "succeeded",
        }
    }
}

/// `automatic_payment_methods[allow_redirects]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AllowRedirects {
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub(crate) struct PaymentIntent {
    pub(crate) id: String,
    pub(crate) sequence: u64,
    pub(crate) created: i64,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) status: Status,
    pub(crate) client_secret: String,
    pub(crate) capture_method: &'static str,
    pub(crate) description: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) customer: Option<String>,
    pub(crate) receipt_email: Option<String>,
    pub(crate) statement_descriptor_suffix: Option<String>,
    pub(crate) setup_future_usage: Option<String>,
    pub(crate) payment_method: Option<String>,
    /// As requested; `payment_method_types` is what Stripe made of it.
    pub(crate) allowed_payment_method_types: Option<Vec<String>>,
    pub(crate) payment_method_types: Vec<String>,
    /// `Some` when Stripe offers the payment methods enabled in the Dashboard.
    pub(crate) automatic_payment_methods: Option<AllowRedirects>,
    pub(crate) latest_charge: Option<String>,
    pub(crate) last_payment_error: Option<Value>,
    pub(crate) amount_received: i64,
}

impl PaymentIntent {
    pub(crate) fn succeeded(&self) -> bool {
        self.status == Status::Succeeded
    }
}

impl Listable for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn created(&self) -> i64 {
        self.created
    }

    /// Stripe's PaymentIntent object, with every field `stripe_shared::PaymentIntent` knows
    /// (null where it does not apply). `latest_charge` and `payment_method` are ids, unexpanded.
    fn to_json(&self) -> Value {
        let automatic_payment_methods = self.automatic_payment_methods.map(|allow_redirects| {
            json!({
                "allow_redirects": match allow_redirects {
                    AllowRedirects::Always => "always",
                    AllowRedirects::Never => "never",
                },
                "enabled": true,
            })
        });
        let mut object = json!({
            "id": self.id,
            "object": "payment_intent",
            "allowed_payment_method_types": self.allowed_payment_method_types,
            "amount": self.amount,
            "amount_capturable": 0,
            "amount_details": { "tip": {} },
            "amount_received": self.amount_received,
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": automatic_payment_methods,
            "canceled_at": null,
            "cancellation_reason": null,
            "capture_method": self.capture_method,
            "client_secret": self.client_secret,
            "confirmation_method": "automatic",
            "created": self.created,
            "currency": self.currency,
            "customer": self.customer,
            "customer_account": null,
            "description": self.description,
            "excluded_payment_method_types": null,
            "hooks": null,
        });
        let rest = json!({
            "last_payment_error": self.last_payment_error,
            "latest_charge": self.latest_charge,
            "livemode": false,
            "managed_payments": null,
            "metadata": self.metadata,
            "next_action": null,
            "on_behalf_of": null,
            "payment_details": null,
            "payment_method": self.payment_method,
            "payment_method_configuration_details": null,
            "payment_method_options": {
                "card": {
                    "installments": null,
                    "mandate_options": null,
                    "network": null,
                    "request_three_d_secure": "automatic",
                },
            },
            "payment_method_types": self.payment_method_types,
            "payment_record": null,
            "presentment_details": null,
            "processing": null,
            "receipt_email": self.receipt_email,
            "review": null,
            "setup_future_usage": self.setup_future_usage,
            "shipping": null,
            "source": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": self.statement_descriptor_suffix,
            "status": self.status.as_str(),
            "transfer_data": null,
            "transfer_group": null,
        });
        // Two literals because one this size exceeds the json! macro's recursion limit.
        if let (Value::Object(object), Value::Object(rest)) = (&mut object, rest) {
            object.extend(rest);
        }
        object
    }
}
