//! An account: a buyer, a seller, or both.

use boxoffice_domain::UserId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: UserId,
    /// Stored lower-cased, so the unique index makes emails case-insensitive.
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
    /// Support staff: may find anyone's orders and refund them. Granted and revoked only by
    /// `boxoffice staff`, never through the API.
    pub staff: bool,
    /// When its owner followed a "verify your address" link; joining a waiting list needs it.
    pub email_verified_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
