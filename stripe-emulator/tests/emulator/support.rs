//! Shared setup: an emulator on a free port and a real async-stripe client pointed at it.

use serde::Serialize;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_client_core::{CustomizableStripeRequest, RequestBuilder, StripeMethod};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
    CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects,
};
use stripe_emulator::{EmulatorConfig, StripeEmulator, TEST_PUBLISHABLE_KEY, TEST_SECRET_KEY};
use stripe_shared::{PaymentMethod, Token};
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

impl Harness {
    /// Sends a payment that must succeed.
    pub async fn pay(&self, payment: impl PaymentRequest) -> stripe_shared::PaymentIntent {
        payment
            .request()
            .send(&self.client)
            .await
            .expect("payment succeeds")
    }

    /// The Stripe error (and HTTP status) a payment fails with.
    pub async fn payment_error(
        &self,
        payment: impl PaymentRequest,
    ) -> (Box<stripe::ApiErrors>, u16) {
        stripe_error(payment.request().send(&self.client).await)
    }

    /// A PaymentIntent for `amount` declined with `pm_card_visa_chargeDeclined`, left waiting for
    /// another card.
    pub async fn declined_payment(&self, amount: i64) -> stripe_shared::PaymentIntent {
        let declined = card_payment(amount, "pm_card_visa_chargeDeclined");
        let (error, _) = self.payment_error(declined).await;
        error
            .payment_intent
            .expect("the PaymentIntent is in the error")
    }

    /// A PaymentMethod for the card `number`, which the emulator must accept.
    pub async fn card(&self, number: &str) -> PaymentMethod {
        create_card(&self.client, number)
            .await
            .expect("card accepted")
    }

    /// A token for the card `number`, which the emulator must accept.
    pub async fn token(&self, number: &str) -> Token {
        create_token(&self.client, number)
            .await
            .expect("token created")
    }

    /// Sends `request` with the idempotency key `key`.
    pub async fn send_with_key(
        &self,
        request: &CreatePaymentIntent,
        key: &str,
    ) -> Result<stripe_shared::PaymentIntent, StripeError> {
        request
            .customize()
            .request_strategy(idempotent(key))
            .send(&self.client)
            .await
    }

    /// A raw form `POST` to `path` with `key`, for what async-stripe's typed requests cannot send.
    pub fn post_form(
        &self,
        path: &str,
        key: &str,
        form: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(key)
            .form(form)
    }

    /// A raw `POST /v1/payment_intents` of `form` with `key`, sent, for parameters and keys
    /// async-stripe's typed request would not send.
    pub async fn post_payment_intent(&self, key: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.post_form("/v1/payment_intents", key, form)
            .send()
            .await
            .expect("request sent")
    }

    /// What Stripe.js sends from a page on another origin: a form `POST` to `path` of a card
    /// (`number`, expiring in April of [`a_future_year`]) and `fields`, with the publishable key.
    pub async fn post_card_from_page(
        &self,
        path: &str,
        number: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let exp_year = a_future_year().to_string();
        let card = [
            ("card[number]", number),
            ("card[exp_month]", "4"),
            ("card[exp_year]", exp_year.as_str()),
            ("card[cvc]", "314"),
        ];
        let form: Vec<_> = card.iter().chain(fields).copied().collect();
        self.post_form(path, TEST_PUBLISHABLE_KEY, &form)
            .header("Origin", "http://localhost:3000")
            .send()
            .await
            .expect("request sent")
    }

    /// A raw `GET` of `path` on the emulator.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("{}{path}", self.base_url))
            .await
            .expect("request sent")
    }

    /// A raw `GET` of `path` on the emulator, parsed as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get(path).await.json().await.expect("JSON body")
    }
}

/// A request that creates a PaymentIntent: a typed [`card_payment`] or a raw [`token_payment`].
pub trait PaymentRequest {
    fn request(self) -> CustomizableStripeRequest<stripe_shared::PaymentIntent>;
}

impl PaymentRequest for CreatePaymentIntent {
    fn request(self) -> CustomizableStripeRequest<stripe_shared::PaymentIntent> {
        self.customize()
    }
}

impl PaymentRequest for CustomizableStripeRequest<stripe_shared::PaymentIntent> {
    fn request(self) -> Self {
        self
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

/// A typed card, as Stripe.js sends one to create a PaymentMethod (`type=card`) or a token (no
/// type): `number`, expiring in December of [`a_future_year`].
#[derive(Serialize)]
struct TypedCard<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_: Option<&'a str>,
    card: CardDetails<'a>,
}

#[derive(Serialize)]
struct CardDetails<'a> {
    number: &'a str,
    exp_month: i64,
    exp_year: i64,
    cvc: &'a str,
}

/// `POST /v1{path}` of a [`TypedCard`] through the real client (async-stripe-core has no
/// PaymentMethod or token requests), parsed as `T` once sent.
fn post_card<T>(path: &str, type_: Option<&str>, number: &str) -> CustomizableStripeRequest<T> {
    let card = CardDetails {
        number,
        exp_month: 12,
        exp_year: a_future_year(),
        cvc: "123",
    };
    let params = TypedCard { type_, card };
    RequestBuilder::new(StripeMethod::Post, path)
        .form(&params)
        .customize()
}

/// `GET /v1{path}` through the real client, parsed as `T` once sent.
fn get<T>(path: String) -> CustomizableStripeRequest<T> {
    RequestBuilder::new(StripeMethod::Get, path).customize()
}

/// `POST /v1/payment_methods`, parsed as `stripe_shared::PaymentMethod`.
pub async fn create_card(client: &Client, number: &str) -> Result<PaymentMethod, StripeError> {
    post_card("/payment_methods", Some("card"), number)
        .send(client)
        .await
}

/// `GET /v1/payment_methods/{id}`.
pub async fn retrieve_payment_method(
    client: &Client,
    id: &str,
) -> Result<PaymentMethod, StripeError> {
    get(format!("/payment_methods/{id}")).send(client).await
}

/// `POST /v1/tokens`, parsed as `stripe_shared::Token`.
pub async fn create_token(client: &Client, number: &str) -> Result<Token, StripeError> {
    post_card("/tokens", None, number).send(client).await
}

/// `GET /v1/tokens/{id}`.
pub async fn retrieve_token(client: &Client, id: &str) -> Result<Token, StripeError> {
    get(format!("/tokens/{id}")).send(client).await
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
