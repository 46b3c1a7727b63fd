//! Stripe, through async-stripe. The base URL is configuration: the project's emulator in dev and
//! tests, real Stripe when it is unset.

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_client_core::{RequestBuilder, StripeMethod};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods as AutomaticPaymentMethods,
    CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects as AllowRedirects,
};
use stripe_core::refund::CreateRefund;
use stripe_types::Currency;

pub struct Stripe {
    client: Client,
}

/// What a charge attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeResult {
    Succeeded {
        payment_intent: String,
    },
    /// The card was declined; another card may work.
    Declined {
        message: String,
    },
    /// Stripe refused the request itself (say, an unknown PaymentMethod). Retrying won't help.
    Rejected {
        message: String,
    },
}

/// A failure to talk to Stripe, split by whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum StripeFault {
    /// Network trouble, 429 or 5xx: the same request (same idempotency key) may succeed later.
    #[error("stripe unavailable: {0}")]
    Retryable(String),
    /// Misconfiguration or a response we cannot read.
    #[error("stripe request failed: {0}")]
    Final(String),
}

/// The card behind a PaymentMethod, as support staff name it: "visa ending 4242".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardDescription {
    pub brand: String,
    pub last4: String,
}

pub struct ChargeRequest<'a> {
    pub amount_cents: i64,
    pub payment_method: &'a str,
    pub idempotency_key: &'a str,
    pub order_id: &'a str,
    pub description: &'a str,
}

impl Stripe {
    /// `api_base` overrides `https://api.stripe.com/` (for the emulator).
    pub fn new(secret_key: &str, api_base: Option<&str>) -> Result<Self, StripeFault> {
        let mut builder = ClientBuilder::new(secret_key);
        if let Some(base) = api_base {
            builder = builder.url(base);
        }
        let client = builder
            .build()
            .map_err(|err| StripeFault::Final(err.to_string()))?;
        Ok(Self { client })
    }

    /// Creates and confirms a PaymentIntent. The idempotency key makes a retried attempt return
    /// the first attempt's PaymentIntent instead of charging again.
    pub async fn charge(&self, request: ChargeRequest<'_>) -> Result<ChargeResult, StripeFault> {
        let create = CreatePaymentIntent::new(request.amount_cents, Currency::USD)
            .payment_method(request.payment_method)
            // Cards only, confirmed server-side: no redirect-based methods, so no return_url.
            .automatic_payment_methods(AutomaticPaymentMethods {
                enabled: true,
                allow_redirects: Some(AllowRedirects::Never),
            })
            .confirm(true)
            .description(request.description)
            .metadata([("order_id".to_owned(), request.order_id.to_owned())]);
        let sent = create
            .customize()
            .request_strategy(idempotent(request.idempotency_key)?)
            .send(&self.client)
            .await;
        match sent {
            Ok(intent) if intent.status == stripe_shared::PaymentIntentStatus::Succeeded => {
                Ok(ChargeResult::Succeeded {
                    payment_intent: intent.id.to_string(),
                })
            }
            Ok(intent) => Ok(ChargeResult::Declined {
                message: intent
                    .last_payment_error
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| format!("Payment not completed ({})", intent.status)),
            }),
            Err(StripeError::Stripe(error, status)) => {
                let message = error
                    .message
                    .clone()
                    .unwrap_or_else(|| "Your card was declined.".to_owned());
                match status {
                    402 => Ok(ChargeResult::Declined { message }),
                    400 | 404 => Ok(ChargeResult::Rejected { message }),
                    _ => Err(classify(status, message)),
                }
            }
            Err(other) => Err(transport_fault(other)),
        }
    }

    /// The card of a PaymentMethod; `None` when Stripe has no such PaymentMethod or it is not a
    /// card. Reading it is a GET: safe to retry.
    pub async fn describe_card(
        &self,
        payment_method: &str,
    ) -> Result<Option<CardDescription>, StripeFault> {
        let path = format!("/payment_methods/{payment_method}");
        let sent = RequestBuilder::new(StripeMethod::Get, path)
            .customize::<stripe_shared::PaymentMethod>()
            .send(&self.client)
            .await;
        match sent {
            Ok(method) => Ok(method.card.map(|card| CardDescription {
                brand: card.brand,
                last4: card.last4,
            })),
            Err(StripeError::Stripe(_, 400 | 404)) => Ok(None),
            Err(StripeError::Stripe(error, status)) => {
                Err(classify(status, error.message.clone().unwrap_or_default()))
            }
            Err(other) => Err(transport_fault(other)),
        }
    }

    /// Refunds a PaymentIntent in full. Idempotent per key.
    pub async fn refund(
        &self,
        payment_intent: &str,
        idempotency_key: &str,
    ) -> Result<String, StripeFault> {
        let sent = CreateRefund::new()
            .payment_intent(payment_intent)
            .customize()
            .request_strategy(idempotent(idempotency_key)?)
            .send(&self.client)
            .await;
        match sent {
            Ok(refund) => Ok(refund.id.to_string()),
            Err(StripeError::Stripe(error, status)) => Err(classify(
                status,
                error
                    .message
                    .clone()
                    .unwrap_or_else(|| "refund failed".into()),
            )),
            Err(other) => Err(transport_fault(other)),
        }
    }
}

fn idempotent(key: &str) -> Result<RequestStrategy, StripeFault> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|err| StripeFault::Final(format!("idempotency key: {err}")))
}

fn classify(status: u16, message: String) -> StripeFault {
    if status == 429 || status == 409 || status >= 500 {
        StripeFault::Retryable(format!("HTTP {status}: {message}"))
    } else {
        StripeFault::Final(format!("HTTP {status}: {message}"))
    }
}

/// Only a misconfigured client is final. An unreadable response is retried too: the request may
/// have charged, and the same idempotency key will bring back the same answer.
fn transport_fault(err: StripeError) -> StripeFault {
    match err {
        StripeError::ConfigError(_) => StripeFault::Final(err.to_string()),
        other => StripeFault::Retryable(other.to_string()),
    }
}
