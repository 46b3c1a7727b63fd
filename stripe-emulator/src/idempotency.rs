//! Stripe's idempotency layer: the first response to a key is saved and replayed for every retry
//! with the same key and parameters; reusing a key for a different request is an error.
//!
//! Keys are scoped per API key. Requests with the same key run one at a time (a per-key async
//! mutex), so two concurrent retries can never both take effect.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::ApiKey;
use crate::errors::ApiError;
use crate::form::Params;
use crate::request_context::RequestContext;

/// Generous for form bodies; anything bigger is not a request boxoffice makes.
const MAX_BODY_BYTES: usize = 1 << 20;

type Slot = Arc<tokio::sync::Mutex<Option<SavedResponse>>>;

#[derive(Debug, Default)]
pub(crate) struct IdempotencyStore {
    // Never pruned (Stripe forgets keys after 24 hours): an emulator does not live that long.
    slots: Mutex<HashMap<(String, String), Slot>>,
}

impl IdempotencyStore {
    fn slot(&self, api_key: &ApiKey, key: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .entry((api_key.as_str().to_owned(), key.to_owned()))
            .or_default()
            .clone()
    }
}

/// What identifies "the same request": endpoint and parameters, in any order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    method: Method,
    path: String,
    params: Vec<(String, String)>,
}

#[derive(Debug)]
struct SavedResponse {
    fingerprint: Fingerprint,
    request_id: String,
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

impl SavedResponse {
    fn replay(&self) -> Response {
        let mut response = (self.status, self.body.clone()).into_response();
        let headers = response.headers_mut();
        if let Some(content_type) = &self.content_type {
            headers.insert(header::CONTENT_TYPE, content_type.clone());
        }
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
        if let Ok(original) = HeaderValue::from_str(&self.request_id) {
            headers.insert("original-request", original);
        }
        response
    }
}

/// Runs `request` under idempotency `key`: replays the saved response, rejects a mismatched
/// reuse, or executes the handler and saves what it answered.
pub(crate) async fn run(
    store: &IdempotencyStore,
    api_key: &ApiKey,
    key: String,
    request: Request,
    next: Next,
) -> Response {
    if key.chars().count() > 255 {
        return ApiError::invalid_request(format!(
            "Idempotency-Key must be at most 255 characters long; the one provided has {}.",
            key.chars().count()
        ))
        .into_response();
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::invalid_request("The request body could not be read.").into_response();
    };
    let fingerprint = Fingerprint {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        params: Params::parse(&body).canonical(),
    };
    let request_id = parts
        .extensions
        .get::<RequestContext>()
        .map(|c| c.request_id.clone())
        .unwrap_or_default();
    let request = Request::from_parts(parts, Body::from(body));
    let slot = store.slot(api_key, &key);

    // Its own task, so that a client hanging up cannot cancel the request between taking effect
    // and saving the response, nor drop the lock before the response is saved.
    let execution = tokio::spawn(async move {
        let mut saved = slot.lock().await;
        if let Some(previous) = saved.as_ref() {
            return match mismatch(&previous.fingerprint, &fingerprint, &key) {
                Some(err) => err.into_response(),
                None => previous.replay(),
            };
        }
        let (parts, body) = next.run(request).await.into_parts();
        let Ok(body) = to_bytes(body, usize::MAX).await else {
            return ApiError::internal().into_response();
        };
        if stripe_saves(parts.status) {
            *saved = Some(SavedResponse {
                fingerprint,
                request_id,
                status: parts.status,
                content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
                body: body.clone(),
            });
        }
        Response::from_parts(parts, Body::from(body))
    });
    execution
        .await
        .unwrap_or_else(|_| ApiError::internal().into_response())
}

/// Stripe saves a result once the endpoint has started executing, whatever the outcome, but not
/// when the parameters failed validation: those requests can be corrected and retried under the
/// same key. Here every 400/404 is such a rejection made before any effect.
fn stripe_saves(status: StatusCode) -> bool {
    !matches!(
        status,
        StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED
    )
}

fn mismatch(first: &Fingerprint, retry: &Fingerprint, key: &str) -> Option<ApiError> {
    if first.method != retry.method || first.path != retry.path {
        return Some(ApiError::idempotency(format!(
            "Keys for idempotent requests can only be used for the same endpoint they were first used for \
             ('{} {}' vs '{} {}'). Try using a key other than '{key}' if you meant to execute a different \
             request.",
            first.method, first.path, retry.method, retry.path
        )));
    }
    (first.params != retry.params).then(|| {
        ApiError::idempotency(format!(
            "Keys for idempotent requests can only be used with the same parameters they were first used \
             with. Try using a key other than '{key}' if you meant to execute a different request."
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use axum::Router;
    use axum::http::{HeaderMap, HeaderValue};
    use axum::middleware::from_fn;
    use axum::routing::post;

    use super::*;
    use crate::auth::{KeyPolicy, authenticate};

    /// A slow handler behind the idempotency layer, counting how often it really runs.
    async fn serve_slow_counter() -> (String, Arc<AtomicUsize>) {
        let runs = Arc::new(AtomicUsize::new(0));
        let store = Arc::new(IdempotencyStore::default());
        let counter = runs.clone();
        let app = Router::new()
            .route(
                "/charge",
                post(move || async move {
                    let run = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    // Long enough that a second request arrives while this one is executing.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    run.to_string()
                }),
            )
            .layer(from_fn(move |request: Request, next: Next| {
                let store = store.clone();
                async move {
                    let mut headers = HeaderMap::new();
                    headers.insert(
                        "authorization",
                        HeaderValue::from_static("Bearer sk_test_a"),
                    );
                    let Ok(api_key) = authenticate(&headers, KeyPolicy::SecretOnly) else {
                        return ApiError::internal().into_response();
                    };
                    run(&store, &api_key, "key-1".to_owned(), request, next).await
                }
            }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("binds");
        let url = format!("http://{}/charge", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, runs)
    }

    #[tokio::test]
    async fn a_request_arriving_while_the_first_executes_waits_and_gets_the_replay() {
        let (url, runs) = serve_slow_counter().await;
        let http = reqwest::Client::new();
        let send = || http.post(&url).body("amount=1").send();
        let (first, second) = tokio::join!(send(), send());
        let (first, second) = (first.expect("answered"), second.expect("answered"));

        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let replays = [&first, &second]
            .iter()
            .filter(|response| response.headers().contains_key("idempotent-replayed"))
            .count();
        assert_eq!(replays, 1);
        assert_eq!(first.text().await.ok(), second.text().await.ok());
    }
}
