//! Shared setup: an emulator on a free port and a real async-stripe client pointed at it.

use serde::Serialize;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError};
use stripe_client_core::{CustomizableStripeRequest, RequestBuilder, StripeMethod};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
    CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects,
};
use stripe_emulator::{EmulatorConfig, StripeEmulator, TEST_SECRET_KEY};
use stripe_types::Currency;

pub struct Harness {
    pub base_url: String,
    pub emulator: StripeEmulator,
    pub client: Client,
}

pub async fn start() -> Harness {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(config: EmulatorConfig) -> Harness {
    let running = StripeEmulator::spawn(config)
        .await
        .expect("emulator binds a local port");
    let client = client_for(&running.base_url, TEST_SECRET_KEY);
    Harness {
        base_url: running.base_url,
        emulator: running.emulator,
        client,
    }
}

pub fn client_for(base_url: &str, secret_key: &str) -> Client {
    ClientBuilder::new(secret_key)
        .url(base_url)
        .build()
        .expect("valid client configuration")
}

/// A card payment confirmed server-side, the way boxoffice charges: automatic payment methods
/// without redirects, so no `return_url` is needed.
pub fn card_payment(amount: i64, payment_method: &str) -> CreatePaymentIntent {
    CreatePaymentIntent::new(amount, Currency::USD)
        .payment_method(payment_method)
        .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods {
            enabled: true,
            allow_redirects: Some(CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects::Never),
        })
        .confirm(true)
}

pub fn idempotent(key: &str) -> RequestStrategy {
    RequestStrategy::Idempotent(IdempotencyKey::new(key).expect("valid idempotency key"))
}

/// The Stripe error inside a failed call, with its HTTP status.
pub fn stripe_error<T: std::fmt::Debug>(
    result: Result<T, StripeError>,
) -> (Box<stripe::ApiErrors>, u16) {
    match result {
        Err(StripeError::Stripe(error, status)) => (error, status),
        other => panic!("expected a Stripe API error, got {other:?}"),
    }
}

#[derive(Serialize)]
struct CreateCardPaymentMethod<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    card: CardDetails<'a>,
}

#[derive(Serialize)]
struct CardDetails<'a> {
    number: &'a str,
    exp_month: i64,
    exp_year: i64,
    cvc: &'a str,
}

/// `POST /v1/payment_methods` through the real client (async-stripe-core has no PaymentMethod
/// requests), parsed as `stripe_shared::PaymentMethod`.
pub async fn create_card(
    client: &Client,
    number: &str,
) -> Result<stripe_shared::PaymentMethod, StripeError> {
    let params = CreateCardPaymentMethod {
        type_: "card",
        card: CardDetails {
            number,
            exp_month: 12,
            exp_year: a_future_year(),
            cvc: "123",
        },
    };
    RequestBuilder::new(StripeMethod::Post, "/payment_methods")
        .form(&params)
        .customize()
        .send(client)
        .await
}

/// `GET /v1/payment_methods/{id}` through the real client.
pub async fn retrieve_payment_method(
    client: &Client,
    id: &str,
) -> Result<stripe_shared::PaymentMethod, StripeError> {
    RequestBuilder::new(StripeMethod::Get, format!("/payment_methods/{id}"))
        .customize()
        .send(client)
        .await
}

#[derive(Serialize)]
struct CreateCardToken<'a> {
    card: CardDetails<'a>,
}

/// `POST /v1/tokens` through the real client, parsed as `stripe_shared::Token`.
pub async fn create_token(
    client: &Client,
    number: &str,
) -> Result<stripe_shared::Token, StripeError> {
    let params = CreateCardToken {
        card: CardDetails {
            number,
            exp_month: 12,
            exp_year: a_future_year(),
            cvc: "123",
        },
    };
    RequestBuilder::new(StripeMethod::Post, "/tokens")
        .form(&params)
        .customize()
        .send(client)
        .await
}

/// `GET /v1/tokens/{id}` through the real client.
pub async fn retrieve_token(
    client: &Client,
    id: &str,
) -> Result<stripe_shared::Token, StripeError> {
    RequestBuilder::new(StripeMethod::Get, format!("/tokens/{id}"))
        .customize()
        .send(client)
        .await
}

#[derive(Serialize)]
struct CreateTokenPayment<'a> {
    amount: i64,
    currency: Currency,
    payment_method_data: TokenPaymentMethodData<'a>,
    automatic_payment_methods: CreatePaymentIntentAutomaticPaymentMethods,
    confirm: bool,
}

#[derive(Serialize)]
struct TokenPaymentMethodData<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    card: CardToken<'a>,
}

#[derive(Serialize)]
struct CardToken<'a> {
    token: &'a str,
}

/// [`card_payment`] paid with a card token: `payment_method_data[card][token]`, which
/// async-stripe's typed `CreatePaymentIntent` cannot express, so sent as a raw request.
pub fn token_payment(
    amount: i64,
    token: &str,
) -> CustomizableStripeRequest<stripe_shared::PaymentIntent> {
    let params = CreateTokenPayment {
        amount,
        currency: Currency::USD,
        payment_method_data: TokenPaymentMethodData {
            type_: "card",
            card: CardToken { token },
        },
        automatic_payment_methods: CreatePaymentIntentAutomaticPaymentMethods {
            enabled: true,
            allow_redirects: Some(CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects::Never),
        },
        confirm: true,
    };
    RequestBuilder::new(StripeMethod::Post, "/payment_intents")
        .form(&params)
        .customize()
}

/// Two years from now, for card expiry dates.
pub fn a_future_year() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    1970 + i64::try_from(since_epoch.as_secs() / 31_556_952).unwrap_or(0) + 2
}
