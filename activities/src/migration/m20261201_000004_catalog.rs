//! The catalog's read path: a partial index for "for sale, newest first" (the listing pages through
//! it by keyset), and on Postgres a `catalog` notification whenever tickets change, so every
//! gateway's cached listing learns of a change another process made (`store::catalog`).

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Same syntax on both: only rows for sale, in the listing's order.
        db.execute_unprepared(
            "CREATE INDEX tickets_on_sale_newest_idx \
             ON tickets (created_at DESC, id DESC) WHERE order_id IS NULL",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS tickets_for_sale_idx")
            .await?;
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION notify_catalog() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN PERFORM pg_notify('catalog', ''); RETURN NULL; END $$",
            )
            .await?;
            // Once per statement, delivered at commit; Postgres folds identical notifications of
            // one transaction into one.
            db.execute_unprepared(
                "CREATE TRIGGER tickets_notify_catalog \
                 AFTER INSERT OR UPDATE OR DELETE ON tickets \
                 FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog()",
            )
            .await?;
        }
        Ok(())
    }
}
