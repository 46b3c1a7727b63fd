//! The support desk: staff accounts (granted only by `boxoffice staff grant`), and what a refund
//! by staff leaves on an order — its Stripe refund, who made it, why and when. `refund_state` is
//! `refunding` while a `RefundWorkflow` runs and `refunded` once it is done; the order's contract
//! status becomes `cancelled` then (see `store::refunds`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Staff,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    TicketId,
    CreatedAt,
    RefundState,
    RefundId,
    RefundedBy,
    RefundReason,
    RefundedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::Staff)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        // One column a statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            ColumnDef::new(Orders::RefundState)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Orders::RefundId).string().null().to_owned(),
            ColumnDef::new(Orders::RefundedBy).uuid().null().to_owned(),
            ColumnDef::new(Orders::RefundReason)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Orders::RefundedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // Staff look a ticket's orders up by its id (`store::support`).
        manager
            .create_index(
                Index::create()
                    .name("orders_ticket_idx")
                    .table(Orders::Table)
                    .col(Orders::TicketId)
                    .col(Orders::CreatedAt)
                    .to_owned(),
            )
            .await
    }
}
