//! `stripe-emulator`: the emulator as a process of its own, for a key-less trial of the shop with
//! several gateways and workers (deploy/compose.yaml) and for the fault drills. Configured from
//! the environment:
//!
//! - `STRIPE_EMULATOR_ADDR`: where to listen (default `0.0.0.0:12111`, stripe-mock's port);
//! - `STRIPE_EMULATOR_WEBHOOK_URL`: where to POST signed `payment_intent.*` events (none if unset);
//! - `STRIPE_WEBHOOK_SECRET`: their signing secret (default the emulator's test secret).
//!
//! Clients use the secret key `sk_test_emulator` and the publishable key `pk_test_emulator`.

use std::net::SocketAddr;

use stripe_emulator::{EmulatorConfig, StripeEmulator, TEST_WEBHOOK_SECRET};

const DEFAULT_ADDR: &str = "0.0.0.0:12111";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::var("STRIPE_EMULATOR_ADDR")
        .unwrap_or_else(|_| DEFAULT_ADDR.to_owned())
        .parse()
        .map_err(|err| format!("STRIPE_EMULATOR_ADDR: {err}"))?;
    let config = EmulatorConfig {
        webhook_url: std::env::var("STRIPE_EMULATOR_WEBHOOK_URL").ok(),
        webhook_secret: std::env::var("STRIPE_WEBHOOK_SECRET")
            .unwrap_or_else(|_| TEST_WEBHOOK_SECRET.to_owned()),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|err| format!("cannot listen on {addr}: {err}"))?;
    tracing::info!(%addr, "Stripe emulator listening");
    let shutdown = async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = terminate.recv() => {},
        }
    };
    tokio::select! {
        served = StripeEmulator::new(config).serve(listener) => served?,
        () = shutdown => {},
    }
    Ok(())
}
