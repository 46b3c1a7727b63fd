//! The `boxoffice` binary's library: its subcommands (`dev`, `serve`, `worker`, `migrate`,
//! `replay`, `bench`, `healthcheck`), their configuration, the Temporal worker and dev server,
//! and the connection to Temporal. The gateway itself is `boxoffice-api`.

pub mod bench;
pub mod cli;
pub mod config;
pub mod dev;
pub mod process;
pub mod replay;
pub mod sdk_metrics;
pub mod telemetry;
pub mod temporal;
pub mod temporal_server;
pub mod worker;
