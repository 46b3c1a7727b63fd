//! The gateway's shared state and its one constructor, used by `serve`, `dev` and the tests
//! alike. It imports the services it holds, never the routes or pages that use it.

use std::sync::Arc;

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
use crate::passwords::{HashingBudget, PasswordHasher};
use crate::purchases::Purchases;
use crate::readiness::Readiness;
use crate::security::SecurityHeaders;
use crate::support::Support;
use crate::tickets::Tickets;
use crate::waitlist::Waitlists;
use boxoffice_workflows::SagaSettings;

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
    pub tickets: Tickets,
    pub waitlists: Waitlists,
    pub support: Support,
    /// This gateway's abuse limits (sign-ins, payments, listings).
    pub limits: Limits,
    pub security: Arc<SecurityHeaders>,
    /// `/readyz`'s last probe, shared by every caller for a second.
    pub readiness: Readiness,
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
            &settings.stripe.js_url,
            sessions.secure_cookies(),
        ));
        Self {
            accounts: Accounts {
                db: db.clone(),
                reader: reader.clone(),
                passwords: PasswordHasher::within(settings.hashing),
                limits: limits.clone(),
                links: settings.links.clone(),
            },
            purchases: Purchases {
                db: db.clone(),
                reader: reader.clone(),
                temporal: temporal.clone(),
                // Bounds this gateway's in-flight Temporal calls.
                temporal_gate: TemporalGate::default(),
                settings: settings.saga.clone(),
                limits: limits.clone(),
            },
            tickets: Tickets {
                db: db.clone(),
                reader: reader.clone(),
                listing: Listing::default(),
                limits: limits.clone(),
            },
            waitlists: Waitlists {
                db: db.clone(),
                reader: reader.clone(),
                limits: limits.clone(),
            },
            support: Support {
                reader: reader.clone(),
                temporal: temporal.clone(),
                task_queue: settings.saga.task_queue.clone(),
                temporal_ui_url: settings.temporal_ui_url.clone(),
            },
            db,
            reader: Reader(reader),
            sessions: Arc::new(sessions),
            temporal,
            settings: Arc::new(settings),
            sdk_metrics: metrics::SdkMetrics::default(),
            limits,
            security,
            readiness: Readiness::default(),
        }
    }
}

/// The pool for reads that need no transaction (see `db::connect_reader`): on SQLite connections
/// of their own beside the single writer, on Postgres the writer's pool.
#[derive(Debug, Clone)]
pub struct Reader(pub DatabaseConnection);

/// Gateway settings that handlers read. Each part is made in one place: `saga` and `limits` from
/// the configuration (`boxoffice_runtime::config`), `stripe` from the configuration or `dev`'s emulator.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What every gateway and worker of one shop agree on about its sagas: the task queue, the
    /// hold, the admission claim's lease and the most holds one buyer may have.
    pub saga: SagaSettings,
    pub stripe: StripeSettings,
    pub limits: LimitSettings,
    /// What password hashing may use: CPUs and memory.
    pub hashing: HashingBudget,
    /// Whether the gateway's own address serves `/metrics`; off when it is served elsewhere.
    pub public_metrics: bool,
    /// The Temporal UI's base URL (`http://127.0.0.1:8233`), for the support desk's links to
    /// workflows; without it the desk shows workflow ids only.
    pub temporal_ui_url: Option<String>,
    /// Where the links the gateway e-mails ("verify your address", "reset your password")
    /// point: `BOXOFFICE_PUBLIC_URL`, as the worker's messages.
    pub links: boxoffice_activities::mail::Links,
}

/// Card payments on the pages, and Stripe's webhooks.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// Verifies `Stripe-Signature` on webhooks; without it webhooks are refused.
    pub webhook_secret: Option<SecretString>,
    /// For Stripe.js on the pages; without it the pages take no cards.
    pub publishable_key: Option<String>,
    /// Where the pages load Stripe.js from (the emulator's stand-in in dev and tests).
    pub js_url: String,
}

impl StripeSettings {
    pub const REAL_STRIPE_JS: &str = "https://js.stripe.com/v3/";
}
