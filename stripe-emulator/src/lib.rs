//! An offline stand-in for the parts of Stripe's API that boxoffice uses.
//!
//! No network reaches Stripe from dev machines or CI, so this crate serves the same HTTP surface
//! with Stripe's test cards, error shapes, idempotency semantics and signed webhooks. Point
//! `stripe::ClientBuilder::new(TEST_SECRET_KEY).url(base_url)` at it.
//!
//! - `POST /v1/payment_methods` and `POST /v1/tokens` (secret or publishable key, CORS-enabled for
//!   Stripe.js), `GET /v1/payment_methods/{id}`, `GET /v1/tokens/{id}`
//! - `POST /v1/payment_intents` (with `payment_method`, or `payment_method_data[type]=card` and
//!   `payment_method_data[card][token]`), `POST /v1/payment_intents/{id}/confirm`,
//!   `GET /v1/payment_intents/{id}`, `GET /v1/payment_intents`
//! - `POST /v1/refunds`, `GET /v1/refunds/{id}`, `GET /v1/refunds`
//! - `GET /js/v3/stripe.js`: a small Stripe.js stand-in (card Element, `createPaymentMethod` and
//!   `createToken`)
//! - `/_emulator/…`: inspection and fault injection over HTTP (`GET payment_intents`,
//!   `GET refunds`, `POST delay {"millis", "count"}`, `POST fail {"count"}`), mirroring the
//!   in-process methods on [`StripeEmulator`].
//!
//! Test cards (number, PaymentMethod id, token): 4242424242424242 / `pm_card_visa` / `tok_visa`,
//! 4000056655665556 / `pm_card_visa_debit` / `tok_visa_debit`, 5555555555554444 /
//! `pm_card_mastercard` / `tok_mastercard`, 5200828282828210 / `pm_card_mastercard_debit` /
//! `tok_mastercard_debit`, 378282246310005 / `pm_card_amex` / `tok_amex` and 6011111111111117 /
//! `pm_card_discover` / `tok_discover` succeed. Declined when charged: 4000000000000002 /
//! `pm_card_visa_chargeDeclined` / `tok_chargeDeclined` (`generic_decline`), 4000000000009995 /
//! `pm_card_visa_chargeDeclinedInsufficientFunds` / `tok_chargeDeclinedInsufficientFunds`
//! (`insufficient_funds`), 4000000000009987 / `pm_card_visa_chargeDeclinedLostCard` (`lost_card`),
//! 4100000000000019 / `tok_chargeDeclinedFraudulent` (`fraudulent`); 4000000000000069 /
//! `pm_card_chargeDeclinedExpiredCard` / `tok_chargeDeclinedExpiredCard` fail with `expired_card`
//! and 4000000000000127 / `pm_card_chargeDeclinedIncorrectCvc` / `tok_chargeDeclinedIncorrectCvc`
//! with `incorrect_cvc`. Any other Luhn-valid number succeeds. Test ids and tokens can be used
//! any number of times; a token from `POST /v1/tokens` once (`token_already_used`).
//!
//! Where it knowingly differs from Stripe: there is one account for all keys and everything is
//! `livemode: false`; `expand[]` is accepted but ignored; only card payments with automatic
//! capture exist (no 3D Secure, no `capture_method=manual`); parameters it does not implement are
//! rejected as unknown; concurrent requests with one idempotency key wait for each other instead
//! of failing with 409; only `payment_intent.succeeded` and `payment_intent.payment_failed`
//! events are sent.

mod auth;
mod cards;
mod currency;
mod errors;
mod faults;
mod form;
mod idempotency;
mod ids;
mod inspection;
mod metadata;
mod objects;
mod pagination;
mod payment_intents;
mod payment_methods;
mod pipeline;
mod refunds;
mod request_context;
mod store;
mod stripe_js;
mod tokens;
mod webhooks;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::auth::KeyPolicy;

/// A secret key the emulator accepts; any `sk_test_…` or `sk_live_…` key works equally.
pub const TEST_SECRET_KEY: &str = "sk_test_emulator";
/// A publishable key for the Stripe.js stand-in; any `pk_test_…` or `pk_live_…` key works.
pub const TEST_PUBLISHABLE_KEY: &str = "pk_test_emulator";
/// A webhook signing secret for tests and local development.
pub const TEST_WEBHOOK_SECRET: &str = "whsec_test_emulator";

/// How the emulator delivers webhooks.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Where `payment_intent.*` events are POSTed; `None` disables delivery.
    pub webhook_url: Option<String>,
    /// The endpoint secret used for the `Stripe-Signature` header (Stripe's `whsec_…`).
    pub webhook_secret: String,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            webhook_url: None,
            webhook_secret: TEST_WEBHOOK_SECRET.to_owned(),
        }
    }
}

// Hand-written so the signing secret never lands in logs.
impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("webhook_url", &self.webhook_url)
            .field("webhook_secret", &"<redacted>")
            .finish()
    }
}

/// The emulator: all Stripe state plus the HTTP surface over it. Cheap to clone; clones share
/// state.
#[derive(Clone)]
pub struct StripeEmulator {
    shared: Arc<Shared>,
}

struct Shared {
    store: Mutex<store::Store>,
    idempotency: idempotency::IdempotencyStore,
    faults: faults::Faults,
    webhooks: webhooks::WebhookSender,
}

/// An emulator serving on a local port, as started by [`StripeEmulator::spawn`].
#[derive(Clone)]
pub struct RunningEmulator {
    /// Where the emulator listens, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub base_url: String,
    /// Handle on the served emulator's state, for assertions and fault injection.
    pub emulator: StripeEmulator,
}

impl StripeEmulator {
    /// Creates an emulator with no objects.
    pub fn new(config: EmulatorConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                store: Mutex::new(store::Store::default()),
                idempotency: idempotency::IdempotencyStore::default(),
                faults: faults::Faults::default(),
                webhooks: webhooks::WebhookSender::new(config.webhook_url, config.webhook_secret),
            }),
        }
    }

    /// The whole HTTP surface: Stripe's `/v1` API, `/js/v3/stripe.js` and `/_emulator/`.
    pub fn router(&self) -> Router {
        // Only creating PaymentMethods and tokens is open to publishable keys, as on Stripe: it is
        // what the browser does through Stripe.js. CORS lets a page on another origin do it.
        let browser_callable = Router::new()
            // The OPTIONS routes only make preflights match; `pipeline::cors` answers them.
            .route(
                "/v1/payment_methods",
                post(payment_methods::create).options(no_content),
            )
            .route("/v1/tokens", post(tokens::create).options(no_content))
            .route_layer(axum::middleware::from_fn_with_state(
                (self.clone(), KeyPolicy::PublishableOrSecret),
                pipeline::handle,
            ))
            .layer(axum::middleware::from_fn(pipeline::cors));

        let server_only = Router::new()
            .route("/v1/payment_methods/{id}", get(payment_methods::retrieve))
            .route("/v1/tokens/{id}", get(tokens::retrieve))
            .route(
                "/v1/payment_intents",
                post(payment_intents::create).get(payment_intents::list),
            )
            .route("/v1/payment_intents/{id}", get(payment_intents::retrieve))
            .route(
                "/v1/payment_intents/{id}/confirm",
                post(payment_intents::confirm),
            )
            .route("/v1/refunds", post(refunds::create).get(refunds::list))
            .route("/v1/refunds/{id}", get(refunds::retrieve))
            .route_layer(axum::middleware::from_fn_with_state(
                (self.clone(), KeyPolicy::SecretOnly),
                pipeline::handle,
            ));

        Router::new()
            .merge(browser_callable)
            .merge(server_only)
            .merge(inspection::router())
            .route("/js/v3/stripe.js", get(stripe_js::serve))
            .fallback(errors::unrecognized_url)
            .method_not_allowed_fallback(errors::unrecognized_url)
            .with_state(self.clone())
    }

    /// Serves [`Self::router`] on `listener` until the returned future is dropped.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Binds `127.0.0.1` on a free port and serves a new emulator from a background task.
    pub async fn spawn(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let emulator = Self::new(config);
        let server = emulator.clone();
        tokio::spawn(async move {
            if let Err(err) = server.serve(listener).await {
                tracing::error!(%err, "stripe emulator stopped serving");
            }
        });
        Ok(RunningEmulator { base_url, emulator })
    }

    /// Every PaymentIntent, oldest first, exactly as the API would render it.
    pub fn payment_intents(&self) -> Vec<serde_json::Value> {
        self.store().payment_intents_oldest_first()
    }

    /// Every Refund, oldest first, exactly as the API would render it.
    pub fn refunds(&self) -> Vec<serde_json::Value> {
        self.store().refunds_oldest_first()
    }

    /// Holds back the next `count` `/v1` responses for `delay` each, after the request has taken
    /// effect: the way a response gets lost to a client timeout.
    pub fn delay_next_responses(&self, count: usize, delay: Duration) {
        self.shared.faults.delay_next_responses(count, delay);
    }

    /// Makes the next `count` `/v1` requests fail with HTTP 500 `api_error` before they take
    /// effect.
    pub fn fail_next_requests(&self, count: usize) {
        self.shared.faults.fail_next_requests(count);
    }

    fn store(&self) -> MutexGuard<'_, store::Store> {
        // A test double should keep answering after one request panicked rather than fail
        // every later request on a poisoned lock.
        self.shared
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

async fn no_content() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}

impl fmt::Debug for StripeEmulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeEmulator").finish_non_exhaustive()
    }
}

impl fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("base_url", &self.base_url)
            .finish()
    }
}
