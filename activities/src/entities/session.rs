//! A signed-in browser's session.

use boxoffice_domain::UserId;
use sea_orm::entity::prelude::*;

/// A signed-in browser. The session cookie names it; while the row exists, the cookie is good.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: UserId,
    pub created_at: ChronoDateTimeUtc,
    pub expires_at: ChronoDateTimeUtc,
    /// Where it was signed in from (an IPv6 client by its /64), when known: sign-in failures from
    /// elsewhere do not hold the owner back here.
    pub client_address: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
