//! Stripe webhook events: recorded once each, so a redelivered event is recognised.

use boxoffice_domain::OrderId;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::{StoreError, is_unique_violation};
use crate::entities::stripe_event;

pub struct NewStripeEvent<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    pub payment_intent: Option<&'a str>,
    pub order_id: Option<OrderId>,
}

/// Records a webhook event; `false` when it was recorded before (Stripe redelivers).
pub async fn record_stripe_event(
    db: &impl ConnectionTrait,
    event: NewStripeEvent<'_>,
) -> Result<bool, StoreError> {
    let row = stripe_event::ActiveModel {
        id: Set(event.id.to_owned()),
        event_type: Set(event.event_type.to_owned()),
        payment_intent: Set(event.payment_intent.map(str::to_owned)),
        order_id: Set(event.order_id),
        received_at: Set(Utc::now()),
    };
    match stripe_event::Entity::insert(row)
        .exec_without_returning(db)
        .await
    {
        Ok(_) => Ok(true),
        Err(err) if is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}
