//! Idempotency keys with Stripe's semantics, including the lost-response retry they exist for.

use std::time::Duration;

use stripe::{ApiErrorsType, StripeError, StripeRequest};
use stripe_emulator::TEST_SECRET_KEY;

use crate::support::{card_payment, client_for, idempotent, start, stripe_error};

#[tokio::test]
async fn retrying_with_the_same_key_returns_the_same_payment_intent_and_charges_once() {
    let harness = start().await;
    let request = card_payment(2000, "pm_card_visa");
    let first = harness
        .send_with_key(&request, "order-1")
        .await
        .expect("paid");
    let retry = harness
        .send_with_key(&request, "order-1")
        .await
        .expect("replayed");

    assert_eq!(retry.id, first.id);
    assert_eq!(
        retry.latest_charge.map(|c| c.id().to_string()),
        first.latest_charge.map(|c| c.id().to_string())
    );
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_replayed_response_is_byte_identical_and_marked_idempotent_replayed() {
    let harness = start().await;
    let send = || {
        reqwest::Client::new()
            .post(format!("{}/v1/payment_intents", harness.base_url))
            .bearer_auth(TEST_SECRET_KEY)
            .header("Idempotency-Key", "raw-1")
            .form(&[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method", "pm_card_visa"),
                ("confirm", "true"),
                ("automatic_payment_methods[enabled]", "true"),
                ("automatic_payment_methods[allow_redirects]", "never"),
            ])
            .send()
    };
    let first = send().await.expect("sent");
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.text().await.expect("body");
    let second = send().await.expect("sent");

    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.text().await.expect("body"), first_body);
}

#[tokio::test]
async fn reusing_a_key_with_different_parameters_is_an_idempotency_error() {
    let harness = start().await;
    harness
        .send_with_key(&card_payment(2000, "pm_card_visa"), "order-2")
        .await
        .expect("paid");
    let (error, status) = stripe_error(
        harness
            .send_with_key(&card_payment(3000, "pm_card_visa"), "order-2")
            .await,
    );

    assert_eq!(status, 400);
    assert_eq!(error.type_, ApiErrorsType::IdempotencyError);
    assert!(
        error
            .message
            .is_some_and(|m| m.contains("same parameters they were first used with"))
    );
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_response_lost_to_a_client_timeout_is_replayed_to_the_retry_and_charges_once() {
    let harness = start().await;
    // The charge happens, but the response arrives after the client has given up.
    harness
        .emulator
        .delay_next_responses(1, Duration::from_secs(30));
    let request = card_payment(2000, "pm_card_visa");
    let lost = request
        .customize()
        .request_strategy(idempotent("order-3"))
        .timeout(Duration::from_secs(1))
        .send(&harness.client)
        .await;
    assert!(matches!(lost, Err(StripeError::Timeout)), "{lost:?}");
    assert_eq!(
        harness.emulator.payment_intents().len(),
        1,
        "the charge took effect"
    );

    let retried = request
        .customize()
        .request_strategy(idempotent("order-3"))
        .timeout(Duration::from_secs(1))
        .send(&harness.client)
        .await
        .expect("the retry gets the saved response at once");

    assert_eq!(harness.emulator.payment_intents().len(), 1);
    assert_eq!(
        harness.emulator.payment_intents()[0]["id"],
        retried.id.as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_take_effect_once() {
    let harness = start().await;
    let request = card_payment(2000, "pm_card_visa");
    let attempts = (0..24).map(|_| harness.send_with_key(&request, "order-4"));
    let results = futures::future::join_all(attempts).await;

    let ids: std::collections::HashSet<_> = results
        .into_iter()
        .map(|result| result.expect("paid").id)
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn idempotency_keys_are_scoped_per_secret_key() {
    let harness = start().await;
    let other_account = client_for(&harness.base_url, "sk_test_other_account");
    let strategy = || idempotent("shared-key");
    let mine = card_payment(2000, "pm_card_visa")
        .customize()
        .request_strategy(strategy())
        .send(&harness.client);
    let theirs = card_payment(3000, "pm_card_visa")
        .customize()
        .request_strategy(strategy())
        .send(&other_account);
    let (mine, theirs) = tokio::join!(mine, theirs);

    assert_ne!(mine.expect("paid").id, theirs.expect("paid").id);
    assert_eq!(harness.emulator.payment_intents().len(), 2);
}

#[tokio::test]
async fn an_injected_failure_happens_before_any_effect_so_a_retry_charges_once() {
    let harness = start().await;
    harness.emulator.fail_next_requests(1);
    let request = card_payment(2000, "pm_card_visa");
    let (error, status) = stripe_error(harness.send_with_key(&request, "order-5").await);
    assert_eq!(status, 500);
    assert_eq!(error.type_, ApiErrorsType::ApiError);
    assert!(harness.emulator.payment_intents().is_empty());

    harness
        .send_with_key(&request, "order-5")
        .await
        .expect("paid");
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_decline_is_saved_and_replayed_like_any_other_result() {
    let harness = start().await;
    let request = card_payment(2000, "pm_card_visa_chargeDeclined");
    let send = || harness.send_with_key(&request, "order-6");
    let (first, first_status) = stripe_error(send().await);
    let (replayed, replayed_status) = stripe_error(send().await);

    assert_eq!((first_status, replayed_status), (402, 402));
    assert_eq!(replayed.charge, first.charge);
    assert_eq!(harness.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_request_rejected_by_validation_is_not_saved_so_the_key_can_be_reused() {
    let harness = start().await;
    let (_, status) = stripe_error(
        harness
            .send_with_key(&card_payment(10, "pm_card_visa"), "order-7")
            .await,
    );
    assert_eq!(status, 400);

    harness
        .send_with_key(&card_payment(1000, "pm_card_visa"), "order-7")
        .await
        .expect("the corrected request runs");
}
