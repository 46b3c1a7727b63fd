use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub ticket_id: Uuid,
    /// `created`, `awaiting:payment`, `cancelled` or `complete`, as the API contract spells them.
    pub status: String,
    pub expires_at: ChronoDateTimeUtc,
    /// `expired` or `cancelled` once the order is cancelled.
    pub cancel_reason: Option<String>,
    pub payment_id: Option<Uuid>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
