//! A payment: the Stripe PaymentIntent that paid for an order (or was refunded when the order
//! could not be completed). At most one per order.

use boxoffice_domain::OrderId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub order_id: OrderId,
    /// The Stripe PaymentIntent that moved the money.
    pub stripe_id: String,
    pub amount_cents: i64,
    /// `succeeded`, or `refunded` after a compensation.
    pub status: String,
    /// The card charged, as "visa ending 4242" (none for payments recorded before cards were).
    pub card: Option<String>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
