//! Links the shop e-mails to prove someone reads an address: "verify your address" (a waiting
//! list hands tickets only to addresses someone reads) and "reset your password". Only a hash of
//! each link's token is kept, so the table leaks no working link; `used_at` makes a link good once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    EmailVerifiedAt,
}

#[derive(DeriveIden)]
enum EmailLinks {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::EmailVerifiedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailLinks::Table)
                    .col(
                        ColumnDef::new(EmailLinks::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(EmailLinks::UserId).uuid().not_null())
                    .col(ColumnDef::new(EmailLinks::Purpose).string().not_null())
                    .col(
                        ColumnDef::new(EmailLinks::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(EmailLinks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmailLinks::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmailLinks::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // "Was a link sent to this user a moment ago?": the cooldown's read.
        manager
            .create_index(
                Index::create()
                    .name("email_links_user_idx")
                    .table(EmailLinks::Table)
                    .col(EmailLinks::UserId)
                    .col(EmailLinks::Purpose)
                    .col(EmailLinks::CreatedAt)
                    .to_owned(),
            )
            .await
    }
}
