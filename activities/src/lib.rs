//! Every side effect boxoffice has: the database (sea-orm entities, migrations and versioned
//! queries) and, for the purchase saga, Stripe.

pub mod db;
pub mod entities;
pub mod migration;
pub mod store;
