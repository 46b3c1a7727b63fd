//! The shop's vocabulary, shared by every crate and importing none of them: the ids of its
//! records, how money reads, and the states an order and a waiting list pass through (the names
//! the workflow, its activities, the gateway and the pages must agree on).

pub mod ids;
pub mod money;
pub mod saga;

pub use ids::{OrderId, TicketId, UserId};
