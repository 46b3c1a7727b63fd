//! Waiting lists: one row per shopper and ticket, in the order they joined.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WaitlistEntries {
    Table,
    Id,
    TicketId,
    BuyerId,
    State,
    OrderId,
    HandedOverBy,
    Note,
    JoinedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WaitlistEntries::Table)
                    .col(
                        ColumnDef::new(WaitlistEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WaitlistEntries::TicketId).uuid().not_null())
                    .col(ColumnDef::new(WaitlistEntries::BuyerId).uuid().not_null())
                    .col(ColumnDef::new(WaitlistEntries::State).string().not_null())
                    .col(ColumnDef::new(WaitlistEntries::OrderId).uuid().null())
                    .col(ColumnDef::new(WaitlistEntries::HandedOverBy).uuid().null())
                    .col(ColumnDef::new(WaitlistEntries::Note).string().null())
                    .col(
                        ColumnDef::new(WaitlistEntries::JoinedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("waitlist_one_entry_per_shopper")
                    .table(WaitlistEntries::Table)
                    .col(WaitlistEntries::TicketId)
                    .col(WaitlistEntries::BuyerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("waitlist_queue_idx")
                    .table(WaitlistEntries::Table)
                    .col(WaitlistEntries::TicketId)
                    .col(WaitlistEntries::State)
                    .col(WaitlistEntries::JoinedAt)
                    .to_owned(),
            )
            .await
    }
}
