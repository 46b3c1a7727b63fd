//! Schema migrations, run by `boxoffice migrate` (and by `dev` and the test harness at start).

use sea_orm_migration::prelude::*;

mod m20261122_000001_create_tables;
mod m20261122_000002_stripe_events;
mod m20261201_000003_ticket_claims;
mod m20261201_000004_catalog;
mod m20261201_000005_sessions;
mod m20261201_000006_waitlists;
mod m20261203_000007_hot_path_indexes;
mod m20261203_000012_session_addresses;
mod m20261204_000013_listings_and_search;
mod m20261204_000014_support;
mod m20261204_000015_outbox;
mod m20261204_000016_email_links;
mod m20261204_000017_payment_cards;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_tables::Migration),
            Box::new(m20261122_000002_stripe_events::Migration),
            Box::new(m20261201_000003_ticket_claims::Migration),
            Box::new(m20261201_000004_catalog::Migration),
            Box::new(m20261201_000005_sessions::Migration),
            Box::new(m20261201_000006_waitlists::Migration),
            Box::new(m20261203_000007_hot_path_indexes::Migration),
            Box::new(m20261203_000012_session_addresses::Migration),
            Box::new(m20261204_000013_listings_and_search::Migration),
            Box::new(m20261204_000014_support::Migration),
            Box::new(m20261204_000015_outbox::Migration),
            Box::new(m20261204_000016_email_links::Migration),
            Box::new(m20261204_000017_payment_cards::Migration),
        ]
    }
}
