//! Where a session was signed in from, so that an account's owner, signed in from an address
//! already, is not held back by sign-in failures that others made from elsewhere
//! (`boxoffice_api::limits`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    ClientAddress,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(ColumnDef::new(Sessions::ClientAddress).string().null())
                    .to_owned(),
            )
            .await
    }
}
