//! A Stripe webhook event, kept so a redelivery is recognised.

use boxoffice_domain::OrderId;
use sea_orm::entity::prelude::*;

/// A Stripe webhook event, kept once: its id is the key, so a redelivery is recognised.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stripe_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub event_type: String,
    pub payment_intent: Option<String>,
    pub order_id: Option<OrderId>,
    pub received_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
