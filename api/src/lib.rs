//! The gateway: the JSON API and the storefront's pages over the domain, its sessions and its
//! purchases. Process concerns (the CLI, `dev`, the worker, replay, the bench) live in `runtime/`.

pub mod accounts;
pub mod app;
pub mod auth;
pub mod backpressure;
pub mod domain;
pub mod email_links;
pub mod error;
pub mod extract;
pub mod failure;
pub mod limits;
pub mod listing;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod passwords;
pub mod purchases;
pub mod readiness;
pub mod routes;
pub mod search;
pub mod security;
pub mod state;
pub mod support;
pub mod temporal;
pub mod tickets;
pub mod waitlist;
