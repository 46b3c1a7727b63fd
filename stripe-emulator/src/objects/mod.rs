//! The Stripe objects the emulator stores, as plain data that renders itself as Stripe's JSON.
//! The store holds them and the resource modules (`payment_intents`, `refunds`, …) act on them,
//! so nothing here imports either: objects sit below both.

mod charge;
mod payment_intent;
mod payment_method;
mod refund;
mod token;

pub(crate) use charge::Charge;
pub(crate) use payment_intent::{AllowRedirects, PaymentIntent, Status};
pub(crate) use payment_method::PaymentMethod;
pub(crate) use refund::Refund;
pub(crate) use token::Token;
