//! Sessions: started at sign-up and sign-in, ended by signing out (one, or all of a user's).

use boxoffice_domain::UserId;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::StoreError;
use crate::entities::session;

/// Starts a session for the user until `expires_at`, signed in from `client_address` (when
/// known); also forgets the user's expired ones.
pub async fn start_session(
    db: &impl ConnectionTrait,
    user_id: UserId,
    expires_at: DateTime<Utc>,
    client_address: Option<&str>,
) -> Result<Uuid, StoreError> {
    let now = Utc::now();
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let id = Uuid::now_v7();
    session::Entity::insert(session::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        client_address: Set(client_address.map(str::to_owned)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(id)
}

/// Whether the session is the user's and has neither ended nor expired.
pub async fn is_live(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    user_id: UserId,
) -> Result<bool, StoreError> {
    let found = session::Entity::find_by_id(session_id).one(db).await?;
    Ok(found.is_some_and(|session| session.user_id == user_id && session.expires_at > Utc::now()))
}

/// Whether the user has a live session signed in from `client_address`.
pub async fn is_signed_in_from(
    db: &impl ConnectionTrait,
    user_id: UserId,
    client_address: &str,
) -> Result<bool, StoreError> {
    let found = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ClientAddress.eq(client_address))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// Ends one session (signing out in one browser).
pub async fn end_session(db: &impl ConnectionTrait, session_id: Uuid) -> Result<(), StoreError> {
    session::Entity::delete_by_id(session_id).exec(db).await?;
    Ok(())
}

/// Ends every session of the user (signing out everywhere).
pub async fn end_all_sessions(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<u64, StoreError> {
    let ended = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(ended.rows_affected)
}
