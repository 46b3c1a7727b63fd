//! The JSON API against real Postgres and a real Temporal dev server, row by row of
//! shared/api-contract.md.

mod bad_input;
mod claims;
mod hardening;
mod health;
mod histories;
mod limits;
mod listing;
mod mail;
mod metrics;
mod migrations;
mod openapi;
mod orders;
mod original_payments;
mod original_tickets;
mod pages;
mod payments;
mod query_plans;
mod rush;
mod saga;
mod socket;
mod tickets;
mod users;
mod waitlist;
mod webhooks;
