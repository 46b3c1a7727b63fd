//! The shop as processes: `dev`, `serve`, `worker`, `migrate`, `replay` and `healthcheck`, their
//! configuration, the Temporal worker and dev server, and the connection to Temporal. The gateway
//! itself is `boxoffice-api`; the `boxoffice` binary (`cli/`) runs these as its subcommands.

pub mod child;
pub mod commands;
pub mod config;
pub mod dev;
pub mod mail;
pub mod maildev;
pub mod process;
pub mod replay;
pub mod resources;
pub mod sdk_metrics;
pub mod telemetry;
pub mod temporal;
pub mod temporal_server;
pub mod worker;
