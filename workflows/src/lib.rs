//! The purchase saga: deterministic workflow code, its messages and its types. No I/O happens
//! here; every side effect is an activity in `boxoffice-activities`.

pub mod baseline;
pub mod purchase;
pub mod refund;
#[cfg(test)]
mod replay_drill;
pub mod search;

pub use refund::{RefundOutcome, RefundWorkflow};

pub use purchase::start::{SagaSettings, TASK_QUEUE, workflow_id};
pub use purchase::{
    CARD_SUMMARY_PATCH, LEAN_SAGA_PATCH, PayRequest, PaymentAnswer, PurchaseInput, PurchaseStatus,
    PurchaseWorkflow, ReservationAnswer, Stage,
};
