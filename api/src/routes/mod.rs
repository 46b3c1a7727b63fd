//! HTTP handlers: parse, call one domain function, map the result.

pub mod health;
pub mod tickets;
pub mod users;
