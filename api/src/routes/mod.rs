//! HTTP handlers: parse, call one domain function, map the result.

pub mod health;
pub mod orders;
pub mod payments;
pub mod tickets;
pub mod users;
pub mod webhooks;
