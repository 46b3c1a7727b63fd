//! A message the shop owes someone: enqueued with the change it reports, sent by the dispatcher.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `receipt`, `sold`, `hold_ended`, `your_turn`, `refunded`, `sale_refunded`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The `Message-ID`, derived from what the message reports: enqueuing it twice is a no-op.
    #[sea_orm(unique)]
    pub message_id: String,
    pub created_at: ChronoDateTimeUtc,
    /// Delivery attempts started (a lease taken counts as one).
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    /// A dispatcher is sending it until then; after, another may.
    pub lease_until: Option<ChronoDateTimeUtc>,
    pub sent_at: Option<ChronoDateTimeUtc>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
