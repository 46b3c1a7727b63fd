//! Every side effect boxoffice has: the database (sea-orm entities, migrations and versioned
//! queries) and Stripe, plus the purchase saga's activities built on them.

pub mod db;
pub mod entities;
pub mod mail;
pub mod metrics;
pub mod migration;
pub mod payments;
pub mod purchase;
pub mod refund;
pub mod store;
