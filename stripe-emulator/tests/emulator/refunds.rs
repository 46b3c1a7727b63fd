//! Refunds against succeeded PaymentIntents.

use stripe::ApiErrorsCode;
use stripe_core::refund::{CreateRefund, RetrieveRefund};

use crate::support::{card_payment, start, stripe_error};

#[tokio::test]
async fn refunding_a_payment_intent_refunds_it_in_full() {
    let harness = start().await;
    let intent = harness.pay(card_payment(2500, "pm_card_visa")).await;
    let refund = CreateRefund::new()
        .payment_intent(intent.id.as_str())
        .send(&harness.client)
        .await
        .expect("refunded");

    assert!(refund.id.as_str().starts_with("re_"));
    assert_eq!(refund.amount, 2500);
    assert_eq!(refund.status.as_deref(), Some("succeeded"));
    assert_eq!(
        refund.payment_intent.map(|pi| pi.id().to_string()),
        Some(intent.id.to_string())
    );
    assert_eq!(
        refund.charge.map(|charge| charge.id().to_string()),
        intent.latest_charge.map(|charge| charge.id().to_string())
    );

    let retrieved = RetrieveRefund::new(refund.id.clone())
        .send(&harness.client)
        .await
        .expect("retrieved");
    assert_eq!(retrieved.id, refund.id);
    assert_eq!(harness.emulator.refunds().len(), 1);
}

#[tokio::test]
async fn partial_refunds_may_add_up_to_the_charge_but_no_further() {
    let harness = start().await;
    let intent = harness.pay(card_payment(2500, "pm_card_visa")).await;
    let refund = |amount: Option<i64>| {
        let request = CreateRefund::new().payment_intent(intent.id.as_str());
        let request = match amount {
            Some(amount) => request.amount(amount),
            None => request,
        };
        let client = harness.client.clone();
        async move { request.send(&client).await }
    };

    assert_eq!(
        refund(Some(1000)).await.expect("partial refund").amount,
        1000
    );
    // Without an amount, Stripe refunds whatever is left.
    assert_eq!(refund(None).await.expect("rest refunded").amount, 1500);
    let (error, status) = stripe_error(refund(None).await);
    assert_eq!(status, 400);
    assert_eq!(error.code, Some(ApiErrorsCode::ChargeAlreadyRefunded));
}

#[tokio::test]
async fn refunding_more_than_was_charged_is_rejected() {
    let harness = start().await;
    let intent = harness.pay(card_payment(2500, "pm_card_visa")).await;
    let (error, status) = stripe_error(
        CreateRefund::new()
            .payment_intent(intent.id.as_str())
            .amount(2501)
            .send(&harness.client)
            .await,
    );

    assert_eq!(status, 400);
    assert_eq!(error.param.as_deref(), Some("amount"));
    assert!(harness.emulator.refunds().is_empty());
}

#[tokio::test]
async fn a_declined_payment_intent_has_nothing_to_refund() {
    let harness = start().await;
    let declined = harness.declined_payment(2500).await;
    let (_, status) = stripe_error(
        CreateRefund::new()
            .payment_intent(declined.id.as_str())
            .send(&harness.client)
            .await,
    );

    assert_eq!(status, 400);
}
