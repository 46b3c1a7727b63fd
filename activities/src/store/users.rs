//! Accounts: created once per e-mail address (the unique index decides a race), found by it;
//! support staff rights, granted and revoked by the operator.

use boxoffice_domain::UserId;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

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
        staff: Set(false),
        email_verified_at: Set(None),
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

pub async fn find_user(
    db: &impl ConnectionTrait,
    id: UserId,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

/// Whether the account has verified its address (no account: not verified).
pub async fn is_verified(db: &impl ConnectionTrait, id: UserId) -> Result<bool, StoreError> {
    Ok(find_user(db, id)
        .await?
        .is_some_and(|user| user.email_verified_at.is_some()))
}

/// Grants (`true`) or revokes support staff rights; `None` when no account has the e-mail.
/// Granting twice is granting once.
pub async fn set_staff(
    db: &impl ConnectionTrait,
    email: &str,
    staff: bool,
) -> Result<Option<user::Model>, StoreError> {
    let Some(found) = find_user_by_email(db, email).await? else {
        return Ok(None);
    };
    let updated = user::Entity::update_many()
        .col_expr(user::Column::Staff, Expr::value(staff))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .filter(user::Column::Id.eq(found.id))
        .filter(user::Column::Version.eq(found.version))
        .exec_with_returning(db)
        .await?;
    updated
        .into_iter()
        .next()
        .map(Some)
        .ok_or(StoreError::VersionConflict)
}

/// Every staff account, by e-mail.
pub async fn staff(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Staff.eq(true))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?)
}

/// The owner proved they read the account's address (a "verify" link); verifying again keeps
/// the first time.
pub async fn mark_verified(
    db: &impl ConnectionTrait,
    id: UserId,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(Some(now)))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::EmailVerifiedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A new password (already hashed) for the account.
pub async fn set_password(
    db: &impl ConnectionTrait,
    id: UserId,
    password_hash: &str,
) -> Result<(), StoreError> {
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
