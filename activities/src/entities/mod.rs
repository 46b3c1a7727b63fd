//! sea-orm entities. Every mutable row carries a `version`: writers update
//! `WHERE id = ? AND version = ?` and bump it, so a lost race is detected, never overwritten.

pub mod email_link;
pub mod order;
pub mod outbox;
pub mod payment;
pub mod session;
pub mod stripe_event;
pub mod ticket;
pub mod user;
pub mod waitlist_entry;
