//! Stripe's error object (`{"error": {…}}`) and the HTTP statuses it travels with.
//!
//! Clients branch on `type`, `code`, `decline_code` and `param`, and async-stripe parses the body
//! into `stripe_shared::ApiErrors`, so these follow Stripe's documented values exactly.

use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Stripe's `error.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorType {
    Api,
    Card,
    Idempotency,
    InvalidRequest,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api_error",
            Self::Card => "card_error",
            Self::Idempotency => "idempotency_error",
            Self::InvalidRequest => "invalid_request_error",
        }
    }
}

/// A Stripe API error, rendered as Stripe renders it. Boxed because it is the error type of
/// nearly every function here and should not make each `Result` large.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} {}: {}", .0.status, .0.kind.as_str(), .0.message)]
pub(crate) struct ApiError(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    status: StatusCode,
    kind: ErrorType,
    message: String,
    code: Option<&'static str>,
    decline_code: Option<&'static str>,
    param: Option<String>,
    charge: Option<String>,
    payment_intent: Option<Value>,
    payment_method: Option<Value>,
}

impl ApiError {
    fn new(status: StatusCode, kind: ErrorType, message: impl Into<String>) -> Self {
        Self(Box::new(Details {
            status,
            kind,
            message: message.into(),
            code: None,
            decline_code: None,
            param: None,
            charge: None,
            payment_intent: None,
            payment_method: None,
        }))
    }

    /// 400 `invalid_request_error`: the request cannot be carried out as sent.
    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorType::InvalidRequest, message)
    }

    pub(crate) fn missing_param(param: &str) -> Self {
        Self::invalid_request(format!("Missing required param: {param}."))
            .with_code("parameter_missing")
            .with_param(param)
    }

    pub(crate) fn unknown_param(param: &str) -> Self {
        // Stripe's wording, plus a hint: the emulator also rejects real parameters it lacks.
        Self::invalid_request(format!(
            "Received unknown parameter: {param} (the stripe emulator rejects parameters it does not implement, \
             even ones Stripe accepts)"
        ))
            .with_code("parameter_unknown")
            .with_param(param)
    }

    pub(crate) fn invalid_param(param: &str, message: impl Into<String>) -> Self {
        Self::invalid_request(message).with_param(param)
    }

    /// A referenced object does not exist: 400 when it was named in a parameter.
    pub(crate) fn no_such(object: &str, id: &str, param: &str) -> Self {
        Self::invalid_request(format!("No such {object}: '{id}'"))
            .with_code("resource_missing")
            .with_param(param)
    }

    /// The object named in the URL does not exist: 404.
    pub(crate) fn not_found(object: &str, id: &str, param: &str) -> Self {
        let mut error = Self::no_such(object, id, param);
        error.0.status = StatusCode::NOT_FOUND;
        error
    }

    /// 402 `card_error`: the card was refused, at creation or when charged.
    pub(crate) fn card_error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYMENT_REQUIRED, ErrorType::Card, message).with_code(code)
    }

    /// 401: no usable API key.
    pub(crate) fn authentication(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorType::InvalidRequest, message)
    }

    pub(crate) fn idempotency(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorType::Idempotency, message)
    }

    /// 500 `api_error`, as Stripe answers when something went wrong on its side.
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Api,
            "An unknown error occurred (injected by the stripe emulator).",
        )
    }

    pub(crate) fn with_code(mut self, code: &'static str) -> Self {
        self.0.code = Some(code);
        self
    }

    pub(crate) fn with_param(mut self, param: &str) -> Self {
        self.0.param = Some(param.to_owned());
        self
    }

    pub(crate) fn with_decline_code(mut self, decline_code: &'static str) -> Self {
        self.0.decline_code = Some(decline_code);
        self
    }

    pub(crate) fn with_charge(mut self, charge: &str) -> Self {
        self.0.charge = Some(charge.to_owned());
        self
    }

    pub(crate) fn with_payment_intent(mut self, payment_intent: Value) -> Self {
        self.0.payment_intent = Some(payment_intent);
        self
    }

    pub(crate) fn with_payment_method(mut self, payment_method: Value) -> Self {
        self.0.payment_method = Some(payment_method);
        self
    }

    /// The object inside `{"error": …}`; also what a PaymentIntent keeps as
    /// `last_payment_error`. Absent fields are left out, as Stripe does.
    pub(crate) fn to_json(&self) -> Value {
        let details = &self.0;
        let mut error = Map::new();
        error.insert("type".into(), details.kind.as_str().into());
        error.insert("message".into(), details.message.clone().into());
        if let Some(code) = details.code {
            error.insert("code".into(), code.into());
            let doc_slug = code.replace('_', "-");
            error.insert(
                "doc_url".into(),
                format!("https://docs.stripe.com/error-codes/{doc_slug}").into(),
            );
        }
        if let Some(decline_code) = details.decline_code {
            error.insert("decline_code".into(), decline_code.into());
        }
        if let Some(param) = &details.param {
            error.insert("param".into(), param.clone().into());
        }
        if let Some(charge) = &details.charge {
            error.insert("charge".into(), charge.clone().into());
        }
        if let Some(payment_intent) = &details.payment_intent {
            error.insert("payment_intent".into(), payment_intent.clone());
        }
        if let Some(payment_method) = &details.payment_method {
            error.insert("payment_method".into(), payment_method.clone());
        }
        Value::Object(error)
    }

    /// One string field (`code`, `param`, …) of the error a unit test expects from `result`;
    /// `None` when there is no error or no such field.
    #[cfg(test)]
    pub(crate) fn field_of<T>(result: Result<T, Self>, field: &str) -> Option<String> {
        let error = result.err()?.to_json();
        error[field].as_str().map(str::to_owned)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status;
        let mut response = (status, Json(json!({ "error": self.to_json() }))).into_response();
        if status.is_server_error() {
            // The emulator only fails before a request takes effect, so a retry is always safe;
            // async-stripe's retrying strategies honour this header.
            response
                .headers_mut()
                .insert("stripe-should-retry", HeaderValue::from_static("true"));
        }
        response
    }
}

/// Stripe answers unknown routes and methods with its error object rather than a bare 404.
pub(crate) async fn unrecognized_url(method: Method, uri: Uri) -> Response {
    let message = format!(
        "Unrecognized request URL ({method}: {}). Please see https://stripe.com/docs or we can help \
         at https://support.stripe.com/.",
        uri.path()
    );
    ApiError::new(StatusCode::NOT_FOUND, ErrorType::InvalidRequest, message).into_response()
}
