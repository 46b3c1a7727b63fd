//! The test harness every integration test uses: a fresh Postgres database per test, one Temporal
//! dev server per test binary, and the gateway driven in-process or over a real socket.

mod app;
pub mod browser;
mod database;
pub mod fixtures;
mod temporal;
mod worker;

pub use app::{ApiClient, ApiResponse, CLAIM_LEASE, TestApp, TestServer};
pub use database::{TestDatabase, TestSqlite};
pub use temporal::shared_temporal;
