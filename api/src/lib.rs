//! The `boxoffice` gateway and binary: HTTP API, Temporal worker, CLI and configuration.

pub mod accounts;
pub mod app;
pub mod auth;
pub mod backpressure;
pub mod bench;
pub mod cli;
pub mod config;
pub mod dev;
pub mod domain;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod passwords;
pub mod purchases;
pub mod replay;
pub mod routes;
pub mod telemetry;
pub mod temporal;
pub mod temporal_server;
pub mod worker;
