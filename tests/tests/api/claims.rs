//! Admission claims (`store::claims`), on Postgres and on SQLite: one live claim per ticket, a
//! lapsed claim gives way, and only the claim's own order (or anyone, once it lapsed) can turn it
//! into the hold.

use std::time::Duration;

use boxoffice_activities::store::claims::{self, Claim, ClaimRequest};
use boxoffice_activities::store::orders::{self, NewOrder};
use boxoffice_activities::store::tickets::{self, NewTicket, TicketEdit};
use boxoffice_activities::store::{StoreError, users};
use boxoffice_domain::saga::ReserveRefusal;
use boxoffice_domain::{OrderId, TicketId, UserId};
use boxoffice_tests::{TestDatabase, TestSqlite};
use sea_orm::DatabaseConnection;

const LEASE: Duration = Duration::from_millis(1200);

async fn claim(
    db: &DatabaseConnection,
    ticket_id: TicketId,
    order_id: OrderId,
    buyer_id: UserId,
) -> Claim {
    claims::claim_ticket(
        db,
        ClaimRequest {
            ticket_id,
            order_id,
            buyer_id,
            lease: LEASE,
            max_holds: 4,
        },
    )
    .await
    .unwrap()
}

async fn claims_admit_one_order_at_a_time_and_lapse(db: &DatabaseConnection) {
    let seller = users::create_user(db, "seller@example.com", "hash")
        .await
        .unwrap();
    let ann = users::create_user(db, "ann@example.com", "hash")
        .await
        .unwrap();
    let bob = users::create_user(db, "bob@example.com", "hash")
        .await
        .unwrap();
    let new_ticket = NewTicket {
        title: "Gig",
        price_cents: 1500,
        seller_id: seller.id,
    };
    let ticket = tickets::create_ticket(db, new_ticket).await.unwrap();
    let (ann_order, bob_order) = (OrderId::new(), OrderId::new());
    let reserve = |order_id, buyer_id| {
        orders::reserve_ticket(
            db,
            NewOrder {
                order_id,
                ticket_id: ticket.id,
                buyer_id,
                expires_at: chrono::Utc::now() + chrono::Duration::minutes(15),
            },
        )
    };

    let won = claim(db, ticket.id, ann_order, ann.id).await;
    assert!(matches!(won, Claim::Won(ref t) if t.claim_order_id == Some(ann_order)));
    let lost = claim(db, ticket.id, bob_order, bob.id).await;
    assert_eq!(lost, Claim::Refused(ReserveRefusal::AlreadyReserved));
    let own = claim(db, ticket.id, OrderId::new(), seller.id).await;
    assert_eq!(own, Claim::Refused(ReserveRefusal::OwnTicket));
    let missing = claim(db, TicketId::new(), bob_order, bob.id).await;
    assert_eq!(missing, Claim::Refused(ReserveRefusal::TicketNotFound));
    // While a buyer is being admitted, the seller cannot change what they are buying.
    let edit = TicketEdit {
        title: "Gig, now dearer",
        price_cents: 9900,
        expected_version: None,
    };
    let edited = tickets::update_ticket(db, ticket.id, seller.id, edit).await;
    assert!(matches!(edited, Err(StoreError::TicketReserved)));
    // Another order cannot reserve past a live claim.
    assert_eq!(
        reserve(bob_order, bob.id).await.unwrap(),
        Err(ReserveRefusal::AlreadyReserved)
    );

    tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
    let after_lapse = claim(db, ticket.id, bob_order, bob.id).await;
    assert!(
        matches!(after_lapse, Claim::Won(_)),
        "a lapsed claim gives way"
    );
    assert_eq!(
        reserve(ann_order, ann.id).await.unwrap(),
        Err(ReserveRefusal::AlreadyReserved),
        "the order whose claim lapsed cannot take the ticket from the new claim"
    );
    let held = reserve(bob_order, bob.id)
        .await
        .unwrap()
        .expect("the claim's own order reserves");
    assert_eq!(held.order_id, Some(bob_order));
    assert_eq!(
        (held.claim_order_id, held.claim_expires_at),
        (None, None),
        "the claim is spent"
    );
}

#[tokio::test]
async fn claims_admit_one_order_at_a_time_and_lapse_on_postgres() {
    let database = TestDatabase::create().await;
    claims_admit_one_order_at_a_time_and_lapse(&database.db).await;
}

#[tokio::test]
async fn claims_admit_one_order_at_a_time_and_lapse_on_sqlite() {
    let sqlite = TestSqlite::create().await;
    claims_admit_one_order_at_a_time_and_lapse(&sqlite.db).await;
}
