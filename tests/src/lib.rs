//! The test harness every integration test uses: a fresh Postgres database per test, one Temporal
//! dev server per test binary, and the gateway driven in-process or over a real socket.

mod app;
pub mod browser;
mod database;
pub mod fixtures;
pub mod mail;
mod temporal;
pub mod visitor;
mod worker;

pub use app::{ApiClient, ApiResponse, CLAIM_LEASE, TestApp, TestServer};
pub use database::{TestDatabase, TestSqlite};
pub use temporal::shared_temporal;

/// With `TEST_LOG=1`, the shop's logs (gateway and activities) go to the test's output, which the
/// test runner shows for a failing test only.
pub fn init_test_log() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(
                    "info,sqlx=warn,sea_orm=warn,temporalio_sdk_core=warn,temporalio_sdk=warn",
                )
                .with_test_writer()
                .try_init();
        }
    });
}
