use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub price_cents: i64,
    pub user_id: Uuid,
    /// The order that holds or bought the ticket; `None` while it is for sale.
    pub order_id: Option<Uuid>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
    /// The order whose gateway holds the admission claim (see `store::claims`), if any.
    pub claim_order_id: Option<Uuid>,
    /// When that claim lapses.
    pub claim_expires_at: Option<ChronoDateTimeUtc>,
    /// The buyer whose gateway holds the claim: a live claim counts as one of their holds.
    pub claim_buyer_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
