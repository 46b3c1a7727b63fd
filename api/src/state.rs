//! The gateway's shared state and its one constructor, used by `serve`, `dev` and the tests
//! alike. It imports the services it holds, never the routes or pages that use it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use temporalio_client::Client;

use crate::accounts::Accounts;
use crate::auth::SessionKeys;
use crate::backpressure::TemporalGate;
use crate::limits::{LimitSettings, Limits};
use crate::listing::Listing;
use crate::metrics;
use crate::passwords::PasswordHasher;
use crate::purchases::{PurchaseSettings, Purchases};
use crate::security::SecurityHeaders;

/// What every handler may need. Cheap to clone: each field is a handle.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// For writes, and reads inside a transaction.
    pub db: DatabaseConnection,
    pub reader: Reader,
    pub sessions: Arc<SessionKeys>,
    pub temporal: Client,
    pub settings: Arc<Settings>,
    /// The Temporal SDK metrics of the worker in this process, if one runs here (`dev`).
    pub sdk_metrics: metrics::SdkMetrics,
    pub accounts: Accounts,
    pub purchases: Purchases,
    /// The tickets for sale, their first page kept until the catalog changes.
    pub listing: Listing,
    /// This gateway's abuse limits (sign-ins, payments, listings).
    pub limits: Limits,
    pub security: Arc<SecurityHeaders>,
}

impl AppState {
    /// The gateway's state, as `serve`, `dev` and the tests build it.
    pub fn new(
        db: DatabaseConnection,
        reader: DatabaseConnection,
        temporal: Client,
        sessions: SessionKeys,
        settings: Settings,
    ) -> Self {
        let limits = Limits::new(settings.limits.clone());
        let security = Arc::new(SecurityHeaders::new(
            &settings.stripe_js_url,
            sessions.secure_cookies(),
        ));
        Self {
            accounts: Accounts {
                db: db.clone(),
                reader: reader.clone(),
                passwords: PasswordHasher::per_core(),
            },
            purchases: Purchases {
                db: db.clone(),
                reader: reader.clone(),
                temporal: temporal.clone(),
                // Bounds this gateway's in-flight Temporal calls.
                temporal_gate: TemporalGate::default(),
                settings: PurchaseSettings {
                    hold_secs: settings.hold_secs,
                    claim_lease: settings.claim_lease,
                    task_queue: settings.task_queue.clone(),
                    max_holds: settings.max_holds,
                },
            },
            db,
            reader: Reader(reader),
            sessions: Arc::new(sessions),
            temporal,
            settings: Arc::new(settings),
            sdk_metrics: metrics::SdkMetrics::default(),
            listing: Listing::default(),
            limits,
            security,
        }
    }
}

/// The pool for reads that need no transaction (see `db::connect_reader`): on SQLite connections
/// of their own beside the single writer, on Postgres the writer's pool.
#[derive(Debug, Clone)]
pub struct Reader(pub DatabaseConnection);

/// Gateway settings that handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an order holds its ticket.
    pub hold_secs: u64,
    /// How long a won admission claim keeps others off the ticket while its saga starts.
    pub claim_lease: Duration,
    /// The task queue purchase workflows run on.
    pub task_queue: String,
    /// Verifies `Stripe-Signature` on webhooks; without it webhooks are refused.
    pub stripe_webhook_secret: Option<SecretString>,
    /// For Stripe.js on the pages.
    pub stripe_publishable_key: Option<String>,
    /// Where the pages load Stripe.js from (the emulator's stand-in in dev and tests).
    pub stripe_js_url: String,
    /// The most tickets one buyer may hold at once.
    pub max_holds: u64,
    pub limits: LimitSettings,
    /// Whether the gateway's own address serves `/metrics`; off when it is served elsewhere.
    pub public_metrics: bool,
}

impl Settings {
    pub const REAL_STRIPE_JS: &str = "https://js.stripe.com/v3/";
}
