use sea_orm::entity::prelude::*;

use crate::saga::WaitState;

/// A shopper on a ticket's waiting list. The queue is the ticket's `Waiting` entries in the order
/// they joined (`joined_at`, then `id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "waitlist_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub buyer_id: Uuid,
    pub state: WaitState,
    /// The order the ticket was handed over in, once it was.
    pub order_id: Option<Uuid>,
    /// The order whose ending handed the ticket over (so a retried release finds it again).
    pub handed_over_by: Option<Uuid>,
    /// Why the entry was skipped or closed, for the shopper.
    pub note: Option<String>,
    pub joined_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
