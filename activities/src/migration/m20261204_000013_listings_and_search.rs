//! Sellers' listings and the buyers' search (issue 26):
//! - `tickets.withdrawn_at`: a seller may take a ticket off sale; it stays readable, marked.
//! - The for-sale indexes leave withdrawn tickets out, and one orders the tickets for sale by
//!   price (a price range sorted by price walks it); one serves a seller's own list.
//! - Full-text search on the title, kept in step by the database itself so that no write can
//!   miss it: on Postgres a generated `tsvector` column with a GIN index, on SQLite an FTS5 table
//!   kept by triggers.
//! - On Postgres, withdrawing notifies the catalog like any change of what is listed.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    WithdrawnAt,
}

/// Same syntax on both databases.
const INDEXES: &[&str] = &[
    "DROP INDEX tickets_on_sale_newest_idx",
    "CREATE INDEX tickets_on_sale_newest_idx ON tickets (created_at DESC, id DESC) \
     WHERE order_id IS NULL AND withdrawn_at IS NULL",
    // Searches sorted by price, and price ranges.
    "CREATE INDEX tickets_on_sale_price_idx ON tickets (price_cents, id) \
     WHERE order_id IS NULL AND withdrawn_at IS NULL",
    // A seller's own tickets, newest first, in every state.
    "CREATE INDEX tickets_seller_newest_idx ON tickets (user_id, created_at DESC, id DESC)",
    // A seller's totals: those of their tickets an order holds or bought. Not partial: a small
    // partial index draws the planner away from the primary key for other statements.
    "CREATE INDEX tickets_seller_ordered_idx ON tickets (user_id, order_id)",
];

const POSTGRES: &[&str] = &[
    // 'simple': no stemming and no stop words — titles are names (acts, venues), not prose.
    "ALTER TABLE tickets ADD COLUMN title_search tsvector \
     GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED",
    "CREATE INDEX tickets_title_search_idx ON tickets USING GIN (title_search)",
    "DROP TRIGGER tickets_notify_catalog_changed ON tickets",
    "CREATE TRIGGER tickets_notify_catalog_changed \
     AFTER UPDATE ON tickets FOR EACH ROW \
     WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id \
        OR OLD.withdrawn_at IS DISTINCT FROM NEW.withdrawn_at \
        OR OLD.title IS DISTINCT FROM NEW.title \
        OR OLD.price_cents IS DISTINCT FROM NEW.price_cents) \
     EXECUTE FUNCTION notify_catalog()",
];

/// The FTS5 table's rows are the tickets' rows by `rowid` (the shop never `VACUUM`s, which could
/// renumber them). Case folds; accents are kept, as Postgres's 'simple' configuration keeps them.
const SQLITE: &[&str] = &[
    "CREATE VIRTUAL TABLE tickets_fts USING fts5(title, \
     tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO tickets_fts (rowid, title) SELECT rowid, title FROM tickets",
    "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN \
     INSERT INTO tickets_fts (rowid, title) VALUES (new.rowid, new.title); END",
    "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title ON tickets BEGIN \
     UPDATE tickets_fts SET title = new.title WHERE rowid = old.rowid; END",
    "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN \
     DELETE FROM tickets_fts WHERE rowid = old.rowid; END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(
                        ColumnDef::new(Tickets::WithdrawnAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let specific = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        for statement in INDEXES.iter().chain(specific) {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
