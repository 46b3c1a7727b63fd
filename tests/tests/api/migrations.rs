//! The schema and its versioned writes behave the same on Postgres (production, tests) and SQLite
//! (the zero-setup default of `dev`).

use boxoffice_activities::store::tickets::{self, NewTicket, TicketEdit};
use boxoffice_activities::store::{StoreError, users};
use boxoffice_tests::{TestDatabase, TestSqlite};
use sea_orm::DatabaseConnection;

async fn migrations_apply_and_versions_guard_writes(db: &DatabaseConnection) {
    // Running the migrations again is a no-op.
    boxoffice_activities::db::migrate(db).await.unwrap();

    let seller = users::create_user(db, "seller@example.com", "hash")
        .await
        .unwrap();
    assert!(matches!(
        users::create_user(db, "seller@example.com", "hash").await,
        Err(StoreError::EmailInUse)
    ));
    let ticket = tickets::create_ticket(
        db,
        NewTicket {
            title: "Gig",
            price_cents: 1500,
            seller_id: seller.id,
        },
    )
    .await
    .unwrap();
    assert_eq!(ticket.version, 0);

    let edit = |title| TicketEdit {
        title,
        price_cents: 1600,
        expected_version: Some(0),
    };
    let first = tickets::update_ticket(db, ticket.id, seller.id, edit("Gig!"))
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    let stale = tickets::update_ticket(db, ticket.id, seller.id, edit("Lost")).await;
    assert!(matches!(stale, Err(StoreError::VersionConflict)));
    assert_eq!(
        tickets::find_ticket(db, ticket.id).await.unwrap().title,
        "Gig!"
    );
}

#[tokio::test]
async fn migrations_and_versioned_writes_work_on_postgres() {
    let database = TestDatabase::create().await;
    migrations_apply_and_versions_guard_writes(&database.db).await;
}

#[tokio::test]
async fn migrations_and_versioned_writes_work_on_sqlite() {
    let sqlite = TestSqlite::create().await;
    migrations_apply_and_versions_guard_writes(&sqlite.db).await;
}
