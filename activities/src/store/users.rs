//! Accounts: created once per e-mail address (the unique index decides a race), found by it.

use boxoffice_domain::UserId;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, is_unique_violation};
use crate::entities::user;

/// Inserts a user. `email` must already be normalised (trimmed, lower-cased).
pub async fn create_user(
    db: &impl ConnectionTrait,
    email: &str,
    password_hash: &str,
) -> Result<user::Model, StoreError> {
    let row = user::ActiveModel {
        id: Set(UserId::new()),
        email: Set(email.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        version: Set(0),
        created_at: Set(Utc::now()),
    };
    user::Entity::insert(row)
        .exec_with_returning(db)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                StoreError::EmailInUse
            } else {
                StoreError::Db(err)
            }
        })
}

pub async fn find_user_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?)
}
