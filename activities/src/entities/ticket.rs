//! A ticket: for sale, claimed by a buyer's gateway while their saga starts, held by an order,
//! sold, or withdrawn by its seller.

use boxoffice_domain::{OrderId, TicketId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: TicketId,
    pub title: String,
    pub price_cents: i64,
    /// The seller.
    pub user_id: UserId,
    /// The order that holds or bought the ticket; `None` while it is for sale.
    pub order_id: Option<OrderId>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
    /// The order whose gateway holds the admission claim (see `store::claims`), if any.
    pub claim_order_id: Option<OrderId>,
    /// When that claim lapses.
    pub claim_expires_at: Option<ChronoDateTimeUtc>,
    /// The buyer whose gateway holds the claim: a live claim counts as one of their holds.
    pub claim_buyer_id: Option<UserId>,
    /// When the seller took it off sale; it stays readable, never for sale again.
    pub withdrawn_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
