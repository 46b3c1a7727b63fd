//! The catalog every row runs beside: a real marketplace has a large one, and the figures must
//! hold there. It is put up for sale straight into the database (as a long-running shop would
//! have it), older than anything the rows list, so each row's own tickets are the newest.

use sea_orm::ConnectionTrait;

use super::progress;
use crate::http::{Session, Shop};

/// Puts `n` tickets of `seller` up for sale in the shop's database at `database_url`.
pub async fn load(
    shop: &Shop,
    seller: &Session,
    database_url: &str,
    n: usize,
) -> anyhow::Result<()> {
    progress(format!("catalog: putting {n} tickets up for sale"));
    let db = boxoffice_activities::db::connect(database_url).await?;
    let seller_id = shop.current_user_id(seller).await?.parse()?;
    boxoffice_activities::store::tickets::list_in_bulk(
        &db,
        seller_id,
        n,
        chrono::Duration::minutes(1),
    )
    .await?;
    // A shop whose catalog grew over months has statistics that say so; one loaded in seconds has
    // none until autovacuum comes by, and a plan made without them is not the shop's plan.
    db.execute_unprepared("ANALYZE tickets").await?;
    db.close().await?;
    // One ticket through the shop, so that its listing learns the catalog changed (on Postgres a
    // trigger tells it anyway; a SQLite file has no such channel).
    super::list_tickets(shop, seller, "Newest", 1).await?;
    Ok(())
}
