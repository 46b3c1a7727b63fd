//! The transactional outbox. A message is enqueued inside the transaction of the change it reports
//! (so it exists if and only if the change does); a dispatcher takes due messages under a lease,
//! sends them, and marks each sent or schedules its retry. Delivery is at least once: a dispatcher
//! that dies after sending and before marking leaves the message to be sent again when its lease
//! runs out. On Postgres several dispatchers poll side by side (`FOR UPDATE SKIP LOCKED`); SQLite
//! has one writer, and so one dispatcher.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::StoreError;
use crate::entities::outbox;
use crate::mail::Letter;

/// Adds `letter` to the outbox, on the transaction of the change it reports. A letter with the
/// same `Message-ID` already there (a retried activity) is left as it is.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    letter: Letter,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(letter.kind.as_str().to_owned()),
        recipient: Set(letter.recipient),
        subject: Set(letter.subject),
        text: Set(letter.text),
        html: Set(letter.html),
        message_id: Set(letter.message_id),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
    };
    outbox::Entity::insert(row)
        .on_conflict(
            OnConflict::column(outbox::Column::MessageId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Takes up to `limit` due messages for `lease`: nobody else sends them until it runs out.
/// Each take counts as an attempt.
pub async fn take_due(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<outbox::Model>, StoreError> {
    let mut due = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(outbox::Column::LeaseUntil.is_null())
                .add(outbox::Column::LeaseUntil.lt(now)),
        )
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(limit);
    // An idle poll is one plain read: no transaction, and on SQLite no write lock.
    if due.clone().one(db).await?.is_none() {
        return Ok(Vec::new());
    }
    let txn = super::begin_write(db).await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Another dispatcher's rows are skipped, not waited for: each takes its own.
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = due.all(&txn).await?;
    if rows.is_empty() {
        return Ok(rows);
    }
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    outbox::Entity::update_many()
        .col_expr(outbox::Column::LeaseUntil, Expr::value(Some(until)))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| outbox::Model {
            attempts: row.attempts + 1,
            lease_until: Some(until),
            ..row
        })
        .collect())
}

/// The message went out.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::SentAt, Expr::value(Some(now)))
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The message did not go out: try again at `retry_at`, and say why meanwhile.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(retry_at))
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Some(error.to_owned())),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::SentAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// How far behind the outbox is: messages not sent yet, and when the oldest was enqueued.
pub async fn backlog(
    db: &impl ConnectionTrait,
) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
    let pending = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .count(db)
        .await?;
    let oldest = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .order_by_asc(outbox::Column::CreatedAt)
        .one(db)
        .await?
        .map(|row| row.created_at);
    Ok((pending, oldest))
}
