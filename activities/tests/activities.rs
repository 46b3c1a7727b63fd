//! The purchase saga's activities on their own: each runs in the SDK's activity test environment
//! (no worker, no Temporal) against a SQLite file and the Stripe emulator, and is run twice where
//! Temporal could retry it, to show it never does its work twice.
//!
//! `TEST_LOG=1 cargo test -p boxoffice-activities` shows the activities' logs of a failing test.

use std::sync::Once;

use boxoffice_activities::payments::Stripe;
use boxoffice_activities::purchase::{
    ChargeInput, ChargeOutcome, CompleteInput, PurchaseActivities, RefundInput, ReleaseFound,
    ReleaseInput, ReserveInput, ReserveOutcome,
};
use boxoffice_activities::store::orders;
use boxoffice_activities::store::tickets::{self, NewTicket};
use boxoffice_activities::store::users;
use boxoffice_domain::saga::{CancelReason, ReserveRefusal};
use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use stripe_emulator::{EmulatorConfig, RunningEmulator, StripeEmulator};
use temporalio_sdk::activities::ActivityError;
use temporalio_sdk::testing::{ActivityEnvironment, ActivityEnvironmentError};
use uuid::Uuid;

/// A SQLite file with a seller's ticket and a buyer, the emulator, and the activities on both.
struct Bench {
    env: ActivityEnvironment,
    db: DatabaseConnection,
    stripe: RunningEmulator,
    ticket: TicketId,
    seller: UserId,
    buyer: UserId,
    _file: TempFile,
}

struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            std::fs::remove_file(path).ok();
        }
    }
}

impl Bench {
    async fn new() -> Self {
        init_test_log();
        let file = std::env::temp_dir().join(format!("activities-{}.sqlite", Uuid::new_v4()));
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let db = boxoffice_activities::db::connect(&url).await.unwrap();
        boxoffice_activities::db::migrate(&db).await.unwrap();
        let seller = users::create_user(&db, "seller@example.com", "hash")
            .await
            .unwrap()
            .id;
        let buyer = users::create_user(&db, "buyer@example.com", "hash")
            .await
            .unwrap()
            .id;
        let new = NewTicket {
            title: "Front row",
            price_cents: 4200,
            seller_id: seller,
        };
        let ticket = tickets::create_ticket(&db, new).await.unwrap().id;
        let stripe = StripeEmulator::spawn(EmulatorConfig {
            webhook_url: None,
            webhook_secret: stripe_emulator::TEST_WEBHOOK_SECRET.to_owned(),
        })
        .await
        .unwrap();
        let client = Stripe::new(
            stripe_emulator::TEST_SECRET_KEY,
            Some(&format!("{}/", stripe.base_url)),
        )
        .unwrap();
        let env = ActivityEnvironment::builder()
            .register_activities(PurchaseActivities::new(db.clone(), client))
            .build();
        Self {
            env,
            db,
            stripe,
            ticket,
            seller,
            buyer,
            _file: TempFile(file),
        }
    }

    fn reserve_input(&self, order_id: OrderId, buyer_id: UserId) -> ReserveInput {
        ReserveInput {
            order_id,
            ticket_id: self.ticket,
            buyer_id,
            expires_at: Utc::now() + chrono::Duration::minutes(15),
        }
    }

    async fn reserve(&self, order_id: OrderId) -> ReserveOutcome {
        let input = self.reserve_input(order_id, self.buyer);
        self.env
            .run(PurchaseActivities::reserve, input)
            .await
            .unwrap()
    }

    /// A new order holding the ticket: reserve has run for it.
    async fn reserved_order(&self) -> OrderId {
        let order = OrderId::new();
        self.reserve(order).await;
        order
    }

    /// A new order holding the ticket and charged with a good card: the order and its
    /// PaymentIntent.
    async fn charged_order(&self) -> (OrderId, String) {
        let order = self.reserved_order().await;
        let intent = charged_intent(self.charge(order, 1, "pm_card_visa").await);
        (order, intent)
    }

    fn charge_input(&self, order_id: OrderId, attempt: u32, payment_method: &str) -> ChargeInput {
        ChargeInput {
            order_id,
            attempt,
            amount_cents: 4200,
            payment_method: payment_method.to_owned(),
            description: "boxoffice order: Front row".to_owned(),
        }
    }

    async fn charge(&self, order_id: OrderId, attempt: u32, payment_method: &str) -> ChargeOutcome {
        let input = self.charge_input(order_id, attempt, payment_method);
        self.env
            .run(PurchaseActivities::charge, input)
            .await
            .unwrap()
    }

    async fn complete(
        &self,
        order_id: OrderId,
        payment_intent: &str,
    ) -> Result<Uuid, ActivityError> {
        let input = CompleteInput {
            order_id,
            payment_intent: payment_intent.to_owned(),
            amount_cents: 4200,
            card: Some("visa ending 4242".to_owned()),
        };
        self.env
            .run(PurchaseActivities::complete, input)
            .await
            .map_err(activity_error)
    }

    async fn release(
        &self,
        order_id: OrderId,
        reason: CancelReason,
    ) -> Result<Option<ReleaseFound>, ActivityError> {
        self.env
            .run(
                PurchaseActivities::release,
                ReleaseInput { order_id, reason },
            )
            .await
            .map_err(activity_error)
    }
}

fn activity_error(err: ActivityEnvironmentError) -> ActivityError {
    match err {
        ActivityEnvironmentError::Activity(err) => err,
        other => panic!("not an activity's own error: {other}"),
    }
}

fn is_final(err: &ActivityError) -> bool {
    matches!(err, ActivityError::Application(failure) if failure.is_non_retryable())
}

fn charged_intent(outcome: ChargeOutcome) -> String {
    match outcome {
        ChargeOutcome::Charged { payment_intent, .. } => payment_intent,
        other => panic!("not charged: {other:?}"),
    }
}

fn init_test_log() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info,sqlx=warn,sea_orm=warn")
                .with_test_writer()
                .try_init();
        }
    });
}

#[tokio::test]
async fn reserve_holds_the_ticket_and_a_retry_of_it_finds_its_own_hold() {
    let bench = Bench::new().await;
    let order = OrderId::new();

    let first = bench.reserve(order).await;
    let retried = bench.reserve(order).await;

    let held = ReserveOutcome::Reserved {
        title: "Front row".to_owned(),
        price_cents: 4200,
    };
    assert_eq!((first, retried), (held.clone(), held));
    let ticket = tickets::find_ticket(&bench.db, bench.ticket).await.unwrap();
    assert_eq!(ticket.order_id, Some(order));
    assert_eq!(ticket.version, 1, "reserved once");
}

#[tokio::test]
async fn reserve_refuses_a_ticket_held_by_another_order_the_sellers_own_and_a_missing_one() {
    let bench = Bench::new().await;
    bench.reserve(OrderId::new()).await;

    let taken = bench.reserve(OrderId::new()).await;
    let own = bench
        .env
        .run(
            PurchaseActivities::reserve,
            bench.reserve_input(OrderId::new(), bench.seller),
        )
        .await
        .unwrap();
    let mut missing = bench.reserve_input(OrderId::new(), bench.buyer);
    missing.ticket_id = TicketId::new();
    let missing = bench
        .env
        .run(PurchaseActivities::reserve, missing)
        .await
        .unwrap();

    assert_eq!(
        taken,
        ReserveOutcome::Refused(ReserveRefusal::AlreadyReserved)
    );
    assert_eq!(own, ReserveOutcome::Refused(ReserveRefusal::OwnTicket));
    assert_eq!(
        missing,
        ReserveOutcome::Refused(ReserveRefusal::TicketNotFound)
    );
}

#[tokio::test]
async fn a_retried_charge_returns_the_first_payment_intent_and_names_the_card() {
    let bench = Bench::new().await;
    let order = bench.reserved_order().await;

    let first = bench.charge(order, 1, "pm_card_visa").await;
    let retried = bench.charge(order, 1, "pm_card_visa").await;

    assert_eq!(first, retried);
    assert!(
        matches!(&first, ChargeOutcome::Charged { card: Some(card), .. } if card.brand == "visa" && card.last4 == "4242"),
        "{first:?}"
    );
    assert_eq!(bench.stripe.emulator.payment_intents().len(), 1);
}

#[tokio::test]
async fn a_declined_card_is_an_answer_not_a_fault_and_the_next_attempt_is_a_new_charge() {
    let bench = Bench::new().await;
    let order = bench.reserved_order().await;

    let declined = bench.charge(order, 1, "pm_card_visa_chargeDeclined").await;
    let second = bench.charge(order, 2, "pm_card_mastercard").await;

    assert!(
        matches!(&declined, ChargeOutcome::Declined { card: Some(card), .. } if card.last4 == "0002"),
        "{declined:?}"
    );
    charged_intent(second);
    assert_eq!(bench.stripe.emulator.payment_intents().len(), 2);
}

#[tokio::test]
async fn an_unknown_payment_method_is_rejected_without_a_charge() {
    let bench = Bench::new().await;
    let order = bench.reserved_order().await;

    let rejected = bench.charge(order, 1, "pm_no_such_method").await;

    assert!(
        matches!(rejected, ChargeOutcome::Rejected { .. }),
        "{rejected:?}"
    );
}

#[tokio::test]
async fn complete_sells_the_ticket_once_and_a_retry_returns_the_same_payment() {
    let bench = Bench::new().await;
    let (order, intent) = bench.charged_order().await;

    let first = bench.complete(order, &intent).await.unwrap();
    let retried = bench.complete(order, &intent).await.unwrap();

    assert_eq!(first, retried);
    let (sold, ticket) = orders::find_order(&bench.db, order).await.unwrap();
    assert_eq!(sold.payment_id, Some(first));
    assert_eq!(
        ticket.order_id,
        Some(order),
        "a sold ticket keeps its order"
    );
    assert_eq!(ticket.version, 2, "reserved, then sold: two versions");
}

#[tokio::test]
async fn complete_fails_for_good_once_the_hold_has_ended_so_the_saga_refunds() {
    let bench = Bench::new().await;
    let (order, intent) = bench.charged_order().await;
    bench.release(order, CancelReason::Expired).await.unwrap();

    let refused = bench.complete(order, &intent).await.unwrap_err();

    assert!(is_final(&refused), "{refused:?}");
}

#[tokio::test]
async fn release_frees_the_ticket_once_and_a_retry_changes_nothing() {
    let bench = Bench::new().await;
    let order = bench.reserved_order().await;

    bench.release(order, CancelReason::Expired).await.unwrap();
    bench.release(order, CancelReason::Expired).await.unwrap();

    let (released, ticket) = orders::find_order(&bench.db, order).await.unwrap();
    assert_eq!(released.cancel_reason, Some(CancelReason::Expired));
    assert_eq!(ticket.order_id, None);
    assert_eq!(ticket.version, 2, "reserved, then released: two versions");
}

/// A workflow task that charged and completed the order can fail after doing so (a new event
/// arrived meanwhile); its retry may see the hold end first and release. The sale stands, and the
/// release says so, with the payment, so the workflow ends as sold.
#[tokio::test]
async fn release_never_frees_a_sold_ticket_and_says_it_was_sold() {
    let bench = Bench::new().await;
    let (order, intent) = bench.charged_order().await;
    let payment_id = bench.complete(order, &intent).await.unwrap();

    let found = bench.release(order, CancelReason::Expired).await.unwrap();

    assert_eq!(found, Some(ReleaseFound::AlreadySold { payment_id }));
    let ticket = tickets::find_ticket(&bench.db, bench.ticket).await.unwrap();
    assert_eq!(ticket.order_id, Some(order));
}

#[tokio::test]
async fn a_retried_refund_gives_the_money_back_once_and_records_it() {
    let bench = Bench::new().await;
    let (order, intent) = bench.charged_order().await;
    let refund = RefundInput {
        order_id: order,
        payment_intent: intent.clone(),
        amount_cents: 4200,
        card: None,
    };

    let first = bench
        .env
        .run(PurchaseActivities::refund, refund.clone())
        .await
        .unwrap();
    let retried = bench
        .env
        .run(PurchaseActivities::refund, refund)
        .await
        .unwrap();

    assert_eq!(first, retried);
    let refunds = bench.stripe.emulator.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["payment_intent"], intent.as_str());
}
