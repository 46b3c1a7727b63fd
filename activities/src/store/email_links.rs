//! Links the shop e-mails ("verify your address", "reset your password"): each is recorded by a
//! hash of its token, works once, and expires. Redeeming one marks it used in the caller's
//! transaction, so what the link does (verify, change the password) and its use commit together.

use boxoffice_domain::UserId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{StoreError, begin_write, outbox, sessions, users};
use crate::entities::email_link;
use crate::mail::Letter;

/// What a link is for; each has its own lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proves the account's owner reads its address: 24 hours.
    Verify,
    /// Sets a new password: 1 hour.
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::PasswordReset => "password_reset",
        }
    }

    /// How long a link works after it is sent.
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Self::Verify => chrono::Duration::hours(24),
            Self::PasswordReset => chrono::Duration::hours(1),
        }
    }
}

/// Why a link does nothing. The message is what its follower reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    /// No such token (garbled, cut short, or for another purpose).
    #[error("This link is not valid")]
    Unknown,
    #[error("This link was used already")]
    Used,
    #[error("This link has expired")]
    Expired,
}

/// Records a link for the user and enqueues the e-mail that carries it (`letter` writes it for
/// the recorded link), in one transaction: a link nobody was sent never exists.
pub async fn send(
    db: &DatabaseConnection,
    user_id: UserId,
    purpose: Purpose,
    token_hash: &str,
    now: DateTime<Utc>,
    letter: impl FnOnce(&email_link::Model) -> Letter,
) -> Result<(), StoreError> {
    let txn = begin_write(db).await?;
    let link = issue(&txn, user_id, purpose, token_hash, now).await?;
    outbox::enqueue(&txn, letter(&link), now).await?;
    txn.commit().await?;
    Ok(())
}

/// Follows a "verify" link: the user's address is verified, and the link used.
pub async fn verify(
    db: &DatabaseConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Result<UserId, Unusable>, StoreError> {
    follow(
        db,
        Purpose::Verify,
        token_hash,
        now,
        async |txn, user_id| users::mark_verified(txn, user_id, now).await,
    )
    .await
}

/// Follows a "reset" link with a new password (hashed): the password is changed, every session
/// of the user ends, and every reset link sent to them stops working. Reading the e-mail proved
/// the address too, so it counts as verified.
pub async fn reset_password(
    db: &DatabaseConnection,
    token_hash: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<Result<UserId, Unusable>, StoreError> {
    follow(
        db,
        Purpose::PasswordReset,
        token_hash,
        now,
        async |txn, user_id| {
            users::set_password(txn, user_id, password_hash).await?;
            users::mark_verified(txn, user_id, now).await?;
            retire_all(txn, user_id, Purpose::PasswordReset, now).await?;
            sessions::end_all_sessions(txn, user_id).await?;
            Ok(())
        },
    )
    .await
}

/// Redeems the link and does what it is for (`effect`, for the user it was sent to) in one
/// transaction: a link is used exactly when its effect commits.
async fn follow(
    db: &DatabaseConnection,
    purpose: Purpose,
    token_hash: &str,
    now: DateTime<Utc>,
    effect: impl AsyncFnOnce(&DatabaseTransaction, UserId) -> Result<(), StoreError>,
) -> Result<Result<UserId, Unusable>, StoreError> {
    let txn = begin_write(db).await?;
    let user_id = match redeem(&txn, purpose, token_hash, now).await? {
        Ok(user_id) => user_id,
        Err(unusable) => return Ok(Err(unusable)),
    };
    effect(&txn, user_id).await?;
    txn.commit().await?;
    Ok(Ok(user_id))
}

/// Records a link for the user, good from `now` for the purpose's lifetime; its id names the
/// e-mail that carries it.
async fn issue(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Purpose,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<email_link::Model, StoreError> {
    let row = email_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(now + purpose.lifetime()),
        used_at: Set(None),
    };
    Ok(email_link::Entity::insert(row)
        .exec_with_returning(db)
        .await?)
}

/// When the user was last sent a link for `purpose`, if ever.
pub async fn last_issued(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Purpose,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(email_link::Entity::find()
        .filter(email_link::Column::UserId.eq(user_id))
        .filter(email_link::Column::Purpose.eq(purpose.as_str()))
        .order_by_desc(email_link::Column::CreatedAt)
        .one(db)
        .await?
        .map(|link| link.created_at))
}

/// Uses the link whose token hashes to `token_hash`: the user it was sent to, or why it does
/// nothing. Of two followers racing, the conditional update lets one through.
async fn redeem(
    txn: &impl ConnectionTrait,
    purpose: Purpose,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Result<UserId, Unusable>, StoreError> {
    let Some(link) = find(txn, purpose, token_hash).await? else {
        return Ok(Err(Unusable::Unknown));
    };
    if let Err(unusable) = usable(&link, now) {
        return Ok(Err(unusable));
    }
    let used = email_link::Entity::update_many()
        .col_expr(email_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(email_link::Column::Id.eq(link.id))
        .filter(email_link::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    if used.rows_affected == 0 {
        return Ok(Err(Unusable::Used));
    }
    Ok(Ok(link.user_id))
}

/// Whether the link would work now, without using it (a form shown before it is sent).
pub async fn check(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Result<UserId, Unusable>, StoreError> {
    Ok(match find(db, purpose, token_hash).await? {
        Some(link) => usable(&link, now).map(|()| link.user_id),
        None => Err(Unusable::Unknown),
    })
}

async fn find(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    token_hash: &str,
) -> Result<Option<email_link::Model>, StoreError> {
    Ok(email_link::Entity::find()
        .filter(email_link::Column::TokenHash.eq(token_hash))
        .filter(email_link::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?)
}

fn usable(link: &email_link::Model, now: DateTime<Utc>) -> Result<(), Unusable> {
    if link.used_at.is_some() {
        Err(Unusable::Used)
    } else if link.expires_at <= now {
        Err(Unusable::Expired)
    } else {
        Ok(())
    }
}

/// Makes every link of the user's for `purpose` stop working: `redeem`'s single use, extended
/// to the others sent before it (after a reset, an older reset e-mail must not reset again).
async fn retire_all(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    email_link::Entity::update_many()
        .col_expr(email_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(email_link::Column::UserId.eq(user_id))
        .filter(email_link::Column::Purpose.eq(purpose.as_str()))
        .filter(email_link::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}
