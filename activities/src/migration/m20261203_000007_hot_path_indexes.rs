//! An index for every lookup on a hot path that had none. With 100,000 tickets for sale the hold
//! cap's count of a buyer's live claims scanned the whole catalog inside SQLite's single writer
//! (and on Postgres, once per admission): a rush then held fewer tickets than it had. The test
//! `query_plans` asks both databases for the plan of every hot statement at that size.
//!
//! And on Postgres, the catalog's notification only for writes that change what is listed: a
//! claim, a sale or a version bump left the listing as it was, yet made every gateway read it
//! again.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Same syntax on both databases. The partial ones index only the rows that can match: most
/// tickets carry no claim, most waiting-list entries were never handed over.
const INDEXES: &[&str] = &[
    // Admission's hold cap: a buyer's live claims. Its predicate holds the whole condition of the
    // count, so no plan combines it with the for-sale index: Postgres, before its statistics knew
    // the catalog, had ANDed the two as bitmaps and read all 100,000 entries of the other.
    "CREATE INDEX tickets_claim_buyer_idx ON tickets (claim_buyer_id, claim_expires_at) \
     WHERE claim_buyer_id IS NOT NULL AND order_id IS NULL",
    // Admission's hold cap: a buyer's orders awaiting payment.
    "CREATE INDEX orders_user_status_idx ON orders (user_id, status)",
    // Joining a list: how many lists the shopper waits on.
    "CREATE INDEX waitlist_buyer_state_idx ON waitlist_entries (buyer_id, state)",
    // An order's page: whether it came from a waiting list.
    "CREATE INDEX waitlist_order_idx ON waitlist_entries (order_id) WHERE order_id IS NOT NULL",
    // A retried release: the hand-over it made.
    "CREATE INDEX waitlist_handed_over_by_idx ON waitlist_entries (handed_over_by) \
     WHERE handed_over_by IS NOT NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for index in INDEXES {
            db.execute_unprepared(index).await?;
        }
        if db.get_database_backend() == DbBackend::Postgres {
            // A new or deleted ticket always changes the listing; an update only when it puts the
            // ticket on or off sale (`order_id`), or changes what the listing shows of it.
            db.execute_unprepared(
                "DROP TRIGGER tickets_notify_catalog ON tickets; \
                 CREATE TRIGGER tickets_notify_catalog \
                 AFTER INSERT OR DELETE ON tickets \
                 FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog(); \
                 CREATE TRIGGER tickets_notify_catalog_changed \
                 AFTER UPDATE ON tickets FOR EACH ROW \
                 WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id \
                    OR OLD.title IS DISTINCT FROM NEW.title \
                    OR OLD.price_cents IS DISTINCT FROM NEW.price_cents) \
                 EXECUTE FUNCTION notify_catalog()",
            )
            .await?;
        }
        Ok(())
    }
}
