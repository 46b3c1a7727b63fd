//! Drives the emulator over real HTTP with the real async-stripe client, parsing every response
//! with async-stripe's own types. One test binary, one module per part of the API.

mod idempotency;
mod inspection;
mod payment_intents;
mod payment_methods;
mod refunds;
mod support;
mod tokens;
mod webhooks;
