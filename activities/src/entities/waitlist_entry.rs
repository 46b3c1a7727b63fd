//! A shopper's place on a held ticket's waiting list.

use boxoffice_domain::saga::WaitState;
use boxoffice_domain::{OrderId, TicketId, UserId};
use sea_orm::entity::prelude::*;

/// A shopper on a ticket's waiting list. The queue is the ticket's `Waiting` entries in the order
/// they joined (`joined_at`, then `id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "waitlist_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: TicketId,
    pub buyer_id: UserId,
    pub state: WaitState,
    /// The order the ticket was handed over in, once it was.
    pub order_id: Option<OrderId>,
    /// The order whose ending handed the ticket over (so a retried release finds it again).
    pub handed_over_by: Option<OrderId>,
    /// Why the entry was skipped or closed, for the shopper.
    pub note: Option<String>,
    pub joined_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
