//! The shop's processes and one-off commands, as the `boxoffice` binary runs them: `serve` (the
//! gateway), `worker` (the purchase saga's worker), `migrate`, `staff`, `replay` and
//! `healthcheck`. `dev`
//! is in `dev`.

use anyhow::Context;
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;

use crate::config::{
    DatabaseArgs, HealthcheckArgs, MigrateArgs, ReplayArgs, ServeArgs, StaffArgs, StaffCommand,
    TemporalArgs, WorkerArgs,
};
use crate::mail::{Mail, Pacing};
use crate::process::{
    listen, open_current_database, open_database, open_reader, serve_until_shutdown,
    shutdown_signal,
};
use crate::worker::PurchaseWorker;
use crate::{replay, temporal};
use boxoffice_activities::payments::Stripe;
use boxoffice_api::app::{AppState, Settings};
use boxoffice_api::auth::SessionKeys;
use boxoffice_api::metrics::{self as http_metrics, SdkMetrics};
use boxoffice_api::routes::health;

/// A session secret shorter than this can be guessed offline from one cookie.
const MIN_JWT_SECRET_BYTES: usize = 32;

pub async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let db = open_database(&required_database(&args.database)?).await?;
    tracing::info!("database schema is up to date");
    db.close().await?;
    Ok(())
}

/// `boxoffice staff grant|revoke|list|refund`.
pub async fn staff(args: StaffArgs) -> anyhow::Result<()> {
    use boxoffice_activities::store::users;
    match args.command {
        StaffCommand::Grant(args) | StaffCommand::Revoke(args) if args.email.trim().is_empty() => {
            anyhow::bail!("an e-mail is required")
        }
        StaffCommand::Grant(args) => set_staff(&args.database, &args.email, true).await,
        StaffCommand::Revoke(args) => set_staff(&args.database, &args.email, false).await,
        StaffCommand::List(args) => {
            let db = open_current_database(&required_database(&args.database)?).await?;
            for member in users::staff(&db).await? {
                println!("{}\t{}", member.email, member.id);
            }
            Ok(())
        }
        StaffCommand::Refund(args) => {
            let order_id: boxoffice_domain::OrderId = args
                .order
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("`{}` is not an order id", args.order))?;
            let reason = args.reason.trim();
            anyhow::ensure!(!reason.is_empty(), "--reason is required: say why");
            let db = open_current_database(&required_database(&args.database)?).await?;
            let email = normalised(&args.staff_email);
            let staff = users::find_user_by_email(&db, &email)
                .await?
                .filter(|user| user.staff)
                .with_context(|| format!("{email} is not a support staff account"))?;
            let temporal = connect_temporal(&args.temporal).await?;
            let request = boxoffice_activities::refund::RefundRequest {
                order_id,
                staff_id: staff.id,
                reason: reason.to_owned(),
            };
            let outcome =
                boxoffice_workflows::refund::start::refund(&temporal, &args.task_queue, request)
                    .await?;
            println!(
                "refunded order {order_id}: Stripe refund {} ({})",
                outcome.refund_id,
                boxoffice_workflows::refund::start::workflow_id(order_id)
            );
            Ok(())
        }
    }
}

/// E-mails are stored trimmed and lower-cased.
fn normalised(email: &str) -> String {
    email.trim().to_lowercase()
}

async fn set_staff(database: &DatabaseArgs, email: &str, staff: bool) -> anyhow::Result<()> {
    let db = open_current_database(&required_database(database)?).await?;
    let email = normalised(email);
    let user = boxoffice_activities::store::users::set_staff(&db, &email, staff)
        .await?
        .with_context(|| format!("no account has the e-mail {email}"))?;
    let now = if staff { "is" } else { "is no longer" };
    println!("{} {now} support staff ({})", user.email, user.id);
    db.close().await?;
    Ok(())
}

pub async fn replay(args: ReplayArgs) -> anyhow::Result<()> {
    let needs_server = args.record.is_some() || !args.workflow_ids.is_empty();
    let client = if needs_server {
        let address = args
            .temporal
            .temporal_address
            .as_deref()
            .unwrap_or("127.0.0.1:7233");
        Some(
            temporal::connect_configured(
                Some(address),
                args.temporal.temporal_namespace.as_deref(),
            )
            .await?,
        )
    } else {
        None
    };
    if let (Some(dir), Some(query), Some(client)) = (&args.record, &args.query, &client) {
        let saved = replay::record(client, query, dir).await?;
        println!("saved {saved} histories to {}", dir.display());
        return Ok(());
    }

    let mut histories = Vec::new();
    for path in &args.paths {
        histories.extend(replay::histories_at(path)?);
    }
    if let Some(client) = &client {
        for workflow_id in &args.workflow_ids {
            histories.push(replay::fetch_history(client, workflow_id).await?);
        }
    }
    anyhow::ensure!(
        !histories.is_empty(),
        "no histories given: pass files, directories or --workflow-id"
    );

    let outcomes = replay::replay_all(histories).await?;
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    for outcome in &outcomes {
        let workflow = outcome.workflow_id.as_deref().unwrap_or("unknown workflow");
        match &outcome.failure {
            None => println!("ok    {} ({workflow})", outcome.name),
            Some(failure) => println!("FAIL  {} ({workflow}): {failure}", outcome.name),
        }
    }
    println!("{} passed, {failed} failed", outcomes.len() - failed);
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} histories do not replay against this build",
        outcomes.len()
    );
    Ok(())
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let jwt_secret = args.gateway.jwt_secret.context(
        "JWT_SECRET is required: `serve` signs sessions with it and has no default (only `dev` makes one)",
    )?;
    anyhow::ensure!(
        jwt_secret.expose_secret().len() >= MIN_JWT_SECRET_BYTES,
        "JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes (e.g. `openssl rand -base64 48`)"
    );
    // The gateway sends nothing itself, but a shop whose workers cannot mail is misconfigured.
    args.gateway.mail.delivery()?;
    let limits = args.gateway.limits.settings();
    anyhow::ensure!(
        limits.enabled,
        "BOXOFFICE_RATE_LIMITS=off is for `dev` only: a shop open to the internet keeps its limits"
    );
    let database_url = required_database(&args.gateway.database)?;
    let db = open_current_database(&database_url).await?;
    let reader = open_reader(&database_url, &db).await?;
    // The cached listing learns of ticket writes by other processes (workers, other gateways).
    boxoffice_activities::store::catalog::follow(&db);
    let temporal = connect_temporal(&args.gateway.temporal).await?;
    let settings = Settings {
        saga: args.gateway.saga.settings(),
        stripe: args.gateway.stripe.for_pages(args.stripe_js_url.clone()),
        limits,
        hashing: args.gateway.hashing.budget(),
        public_metrics: args.metrics_addr.is_none(),
        temporal_ui_url: args.gateway.temporal_ui_url.clone(),
        links: args.gateway.mail.links("http://127.0.0.1:8080"),
    };
    if let Some(addr) = args.metrics_addr {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        tracing::info!(%addr, "gateway serves /metrics");
        let endpoints = axum::Router::new()
            .route("/metrics", axum::routing::get(http_metrics::serve))
            .with_state(SdkMetrics::default());
        tokio::spawn(async move { axum::serve(listener, endpoints).await });
    }
    // The gateway runs no worker: `boxoffice worker` serves the SDK's metrics.
    let state = AppState::new(
        db,
        reader,
        temporal,
        SessionKeys::new(&jwt_secret).with_secure_cookies(args.secure_cookies),
        settings,
    );
    let listener = listen(args.gateway.http.addr)
        .with_context(|| format!("cannot listen on {}", args.gateway.http.addr))?;
    tracing::info!(addr = %args.gateway.http.addr, "gateway listening");
    serve_until_shutdown(listener, state).await
}

pub async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    let secret_key = args
        .stripe
        .stripe_secret_key
        .as_ref()
        .context("STRIPE_SECRET_KEY is required: the worker charges cards")?;
    let stripe = Stripe::new(
        secret_key.expose_secret(),
        args.stripe.stripe_api_base.as_deref(),
    )?;
    let delivery = args.mail.delivery()?;
    if args.mail.public_url.is_none() {
        tracing::warn!("BOXOFFICE_PUBLIC_URL is unset: the messages link to http://127.0.0.1:8080");
    }
    let db = open_current_database(&required_database(&args.database)?).await?;
    let temporal = connect_temporal(&args.temporal).await?;
    // Support staff search orders by these; registering them is idempotent.
    temporal::ensure_search_attributes(&temporal)
        .await
        .context("cannot register the search attributes")?;
    let mut running = PurchaseWorker {
        db: db.clone(),
        temporal: temporal.clone(),
        stripe,
        saga: args.saga.settings(),
        mail: Mail {
            links: args.mail.links("http://127.0.0.1:8080"),
            delivery,
            pacing: Pacing::default(),
        },
    }
    .start()
    .await?;
    let metrics_listener = TcpListener::bind(args.metrics_addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.metrics_addr))?;
    tracing::info!(addr = %args.metrics_addr, "worker serves /metrics, /healthz and /readyz");
    let state = WorkerEndpoints {
        readiness: Default::default(),
        db,
        temporal,
        sdk_metrics: SdkMetrics::default(),
    };
    state.sdk_metrics.set(running.metrics_addr());
    let endpoints = axum::Router::new()
        .route("/metrics", axum::routing::get(http_metrics::serve))
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/readyz", axum::routing::get(health::readyz))
        .with_state(state);
    tokio::spawn(async move { axum::serve(metrics_listener, endpoints).await });
    tokio::select! {
        () = shutdown_signal() => running.stop().await,
        ended = running.finished() => ended?,
    }
}

/// What the worker's own small HTTP server needs: the same probes as the gateway's, and metrics.
#[derive(Clone, axum::extract::FromRef)]
struct WorkerEndpoints {
    readiness: boxoffice_api::readiness::Readiness,
    db: DatabaseConnection,
    temporal: temporalio_client::Client,
    sdk_metrics: SdkMetrics,
}

/// `boxoffice healthcheck`: the container's health check, without curl in the image.
pub async fn healthcheck(args: HealthcheckArgs) -> anyhow::Result<()> {
    let answer = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(args.timeout_secs))
        .build()?
        .get(&args.url)
        .send()
        .await
        .with_context(|| format!("{} did not answer", args.url))?;
    anyhow::ensure!(
        answer.status().is_success(),
        "{} answered {}",
        args.url,
        answer.status()
    );
    Ok(())
}

fn required_database(args: &DatabaseArgs) -> anyhow::Result<SecretString> {
    args.database_url
        .clone()
        .context("DATABASE_URL is required (postgres://user@host/db)")
}

/// Temporal as `TEMPORAL_ADDRESS` (or `--temporal-address`) and the SDK's client configuration
/// say: TLS, mTLS and API keys come from `TEMPORAL_TLS_*`, `TEMPORAL_API_KEY` or a profile.
pub(crate) async fn connect_temporal(
    args: &TemporalArgs,
) -> anyhow::Result<temporalio_client::Client> {
    let address = args.temporal_address.as_deref();
    Ok(temporal::connect_configured(address, args.temporal_namespace.as_deref()).await?)
}
