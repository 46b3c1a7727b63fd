//! Stripe, through async-stripe. The base URL is configuration: the project's emulator in dev and
//! tests, real Stripe when it is unset.

use std::collections::BTreeMap;

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_client_core::{CustomizableStripeRequest, RequestBuilder, StripeMethod};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods as AutomaticPaymentMethods,
    CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects as AllowRedirects,
};
use stripe_core::refund::CreateRefund;
use stripe_shared::{PaymentIntent, PaymentIntentStatus};
use stripe_types::Currency;

#[derive(Clone)]
pub struct Stripe {
    client: Client,
}

/// What a buyer pays with, told apart by its shape alone, before it goes anywhere near a Stripe
/// URL or request: a PaymentMethod id (`pm_…`, as Stripe.js `createPaymentMethod` returns, or one
/// of Stripe's test ids such as `pm_card_visa`) or a card token (`tok_…`, as Stripe.js
/// `createToken` and Stripe Checkout return, or a test token such as `tok_visa`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentSource<'a> {
    PaymentMethod(&'a str),
    CardToken(&'a str),
}

impl<'a> PaymentSource<'a> {
    /// The accepted shape, as a regular expression (for the OpenAPI spec).
    pub const PATTERN: &'static str = "^(pm|tok)_[A-Za-z0-9_]{1,200}$";
    /// What is accepted, in words.
    pub const DESCRIPTION: &'static str = "a Stripe PaymentMethod id (pm_…) or card token (tok_…)";
    const MAX_ID_CHARS: usize = 200;

    /// `Some` only for text matching [`Self::PATTERN`].
    pub fn parse(text: &'a str) -> Option<Self> {
        let (source, id): (fn(&'a str) -> Self, &str) = if let Some(id) = text.strip_prefix("pm_") {
            (Self::PaymentMethod, id)
        } else if let Some(id) = text.strip_prefix("tok_") {
            (Self::CardToken, id)
        } else {
            return None;
        };
        let well_formed = (1..=Self::MAX_ID_CHARS).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        well_formed.then(|| source(text))
    }
}

/// What a charge attempt came to. `payment_method` is the PaymentMethod Stripe charged, when it
/// says: for a card token, the one it created from the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeResult {
    Succeeded {
        payment_intent: String,
        payment_method: Option<String>,
    },
    /// The card was declined; another card may work.
    Declined {
        message: String,
        payment_method: Option<String>,
    },
    /// Stripe refused the request itself (say, an unknown PaymentMethod or a used token), or it
    /// was never sent (not a PaymentMethod id or card token). Retrying won't help.
    Rejected { message: String },
}

impl ChargeResult {
    /// The PaymentMethod charged, if Stripe named one.
    pub fn payment_method(&self) -> Option<&str> {
        match self {
            Self::Succeeded { payment_method, .. } | Self::Declined { payment_method, .. } => {
                payment_method.as_deref()
            }
            Self::Rejected { .. } => None,
        }
    }
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

    /// Creates and confirms a PaymentIntent, paid with a PaymentMethod or with a PaymentMethod that
    /// Stripe creates from a card token. The idempotency key makes a retried attempt return the
    /// first attempt's PaymentIntent instead of charging again (or spending the token twice).
    pub async fn charge(&self, request: ChargeRequest<'_>) -> Result<ChargeResult, StripeFault> {
        let Some(source) = PaymentSource::parse(request.payment_method) else {
            return Ok(ChargeResult::Rejected {
                message: format!("Not {}", PaymentSource::DESCRIPTION),
            });
        };
        let create = match source {
            PaymentSource::PaymentMethod(id) => {
                card_payment(&request).payment_method(id).customize()
            }
            PaymentSource::CardToken(token) => card_token_payment(&request, token),
        };
        let sent = create
            .request_strategy(idempotent(request.idempotency_key)?)
            .send(&self.client)
            .await;
        charge_result(sent)
    }

    /// The card of a PaymentMethod; `None` when Stripe has no such PaymentMethod or it is not a
    /// card. Reading it is a GET: safe to retry.
    pub async fn describe_card(
        &self,
        payment_method: &str,
    ) -> Result<Option<CardDescription>, StripeFault> {
        // A card token is not a PaymentMethod, and nothing else may become part of the URL.
        let Some(PaymentSource::PaymentMethod(id)) = PaymentSource::parse(payment_method) else {
            return Ok(None);
        };
        let path = format!("/payment_methods/{id}");
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

/// A card payment confirmed server-side: no redirect-based methods, so no return_url.
fn card_payment(request: &ChargeRequest<'_>) -> CreatePaymentIntent {
    CreatePaymentIntent::new(request.amount_cents, Currency::USD)
        .automatic_payment_methods(cards_only())
        .confirm(true)
        .description(request.description)
        .metadata([("order_id".to_owned(), request.order_id.to_owned())])
}

fn cards_only() -> AutomaticPaymentMethods {
    AutomaticPaymentMethods {
        enabled: true,
        allow_redirects: Some(AllowRedirects::Never),
    }
}

/// The same payment as [`card_payment`], paid with a card token: Stripe creates a PaymentMethod
/// from `payment_method_data[card][token]`. async-stripe's typed `CreatePaymentIntent` cannot say
/// that (its `payment_method_data` has no `card`), so this is the raw request.
fn card_token_payment(
    request: &ChargeRequest<'_>,
    token: &str,
) -> CustomizableStripeRequest<PaymentIntent> {
    #[derive(serde::Serialize)]
    struct Params<'a> {
        amount: i64,
        currency: Currency,
        payment_method_data: PaymentMethodData<'a>,
        automatic_payment_methods: AutomaticPaymentMethods,
        confirm: bool,
        description: &'a str,
        metadata: BTreeMap<&'static str, &'a str>,
    }
    #[derive(serde::Serialize)]
    struct PaymentMethodData<'a> {
        #[serde(rename = "type")]
        type_: &'static str,
        card: CardToken<'a>,
    }
    #[derive(serde::Serialize)]
    struct CardToken<'a> {
        token: &'a str,
    }

    let params = Params {
        amount: request.amount_cents,
        currency: Currency::USD,
        payment_method_data: PaymentMethodData {
            type_: "card",
            card: CardToken { token },
        },
        automatic_payment_methods: cards_only(),
        confirm: true,
        description: request.description,
        metadata: BTreeMap::from([("order_id", request.order_id)]),
    };
    RequestBuilder::new(StripeMethod::Post, "/payment_intents")
        .form(&params)
        .customize()
}

/// What a create-and-confirm answer means, whatever the PaymentIntent was paid with.
fn charge_result(sent: Result<PaymentIntent, StripeError>) -> Result<ChargeResult, StripeFault> {
    match sent {
        Ok(intent) if intent.status == PaymentIntentStatus::Succeeded => {
            Ok(ChargeResult::Succeeded {
                payment_intent: intent.id.to_string(),
                payment_method: intent.payment_method.map(|method| method.id().to_string()),
            })
        }
        Ok(intent) => {
            let declined = intent.last_payment_error;
            Ok(ChargeResult::Declined {
                payment_method: intent
                    .payment_method
                    .map(|method| method.id().to_string())
                    .or_else(|| declined_method(declined.as_deref())),
                message: declined
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| format!("Payment not completed ({})", intent.status)),
            })
        }
        Err(StripeError::Stripe(error, status)) => {
            let message = error
                .message
                .clone()
                .unwrap_or_else(|| "Your card was declined.".to_owned());
            match status {
                402 => Ok(ChargeResult::Declined {
                    message,
                    payment_method: declined_method(Some(&*error)).or_else(|| {
                        error.payment_intent.as_ref().and_then(|intent| {
                            declined_method(intent.last_payment_error.as_deref())
                        })
                    }),
                }),
                400 | 404 => Ok(ChargeResult::Rejected { message }),
                _ => Err(classify(status, message)),
            }
        }
        Err(other) => Err(transport_fault(other)),
    }
}

/// The PaymentMethod a decline names (Stripe detaches it from the PaymentIntent).
fn declined_method(error: Option<&stripe::ApiErrors>) -> Option<String> {
    error?
        .payment_method
        .as_ref()
        .map(|method| method.id.to_string())
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
