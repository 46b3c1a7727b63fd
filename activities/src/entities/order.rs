//! An order: one buyer's hold on one ticket, from placing to paid, expired or cancelled. Its
//! saga (`order-<id>` in Temporal) is the only writer of its status.

use sea_orm::entity::prelude::*;

use boxoffice_domain::saga::{CancelReason, OrderStatus, Standing};
use boxoffice_domain::{OrderId, TicketId, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: OrderId,
    /// The buyer.
    pub user_id: UserId,
    pub ticket_id: TicketId,
    pub status: OrderStatus,
    pub expires_at: ChronoDateTimeUtc,
    /// Set once the order is cancelled.
    pub cancel_reason: Option<CancelReason>,
    pub payment_id: Option<Uuid>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
    /// `refunding` while staff's `RefundWorkflow` runs, `refunded` once it is done.
    pub refund_state: Option<String>,
    /// The Stripe refund.
    pub refund_id: Option<String>,
    /// The staff member who refunded it.
    pub refunded_by: Option<UserId>,
    pub refund_reason: Option<String>,
    pub refunded_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// What the buyer can still do with this order.
    pub fn standing(&self) -> Standing {
        Standing::of(self.status, self.cancel_reason)
    }
}
