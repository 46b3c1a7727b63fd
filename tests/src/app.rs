//! The shop under test: a fresh database, the gateway (in-process, or on a socket), a purchase
//! worker on a task queue of its own and a Stripe emulator; clients that keep a session.

use std::net::SocketAddr;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use boxoffice_activities::store::{sessions, users};
use boxoffice_api::app::{self, AppState, Settings, StripeSettings};
use boxoffice_api::auth::{SessionKeys, SessionUser};
use boxoffice_api::limits::LimitSettings;
use boxoffice_api::passwords::HashingBudget;
use boxoffice_domain::OrderId;
use boxoffice_workflows::{PurchaseWorkflow, SagaSettings, workflow_id};
use serde_json::Value;
use temporalio_client::{Client, WorkflowCountOptions, WorkflowHandle};
use tower::ServiceExt;

use stripe_emulator::{EmulatorConfig, RunningEmulator, StripeEmulator};

use crate::worker::{TestWorker, WorkerConfig};
use crate::{TestDatabase, shared_temporal};

/// Where the support desk's links to workflows point in tests.
pub const TEMPORAL_UI_URL: &str = "http://temporal-ui.test";

/// A hold long enough that no test that is not about expiry sees one.
const DEFAULT_HOLD_SECS: u64 = 120;

/// Admission claims lapse after this in tests, so a test of a lapsed claim waits only briefly.
pub const CLAIM_LEASE: std::time::Duration = std::time::Duration::from_secs(3);

/// A well-formed argon2id hash of no password anyone types.
const PLACEHOLDER_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5Fd/6X6jbqY2WOGZ8TgdvbWpVOTR0JhP+Hxgk9dGL7M";

/// The whole shop on a fresh database: the gateway, driven in-process through
/// `tower::ServiceExt::oneshot`, a purchase worker on a task queue of its own, and a Stripe
/// emulator. Temporal is the test binary's shared dev server.
pub struct TestApp {
    pub state: AppState,
    pub database: TestDatabase,
    pub stripe: RunningEmulator,
    router: Router,
    worker: Mutex<Option<TestWorker>>,
    /// Where the worker's dispatcher sends mail: nowhere unless a test asks (`send_mail_to`), so
    /// that the tests not about mail don't keep a mail server busy.
    smtp_url: Mutex<Option<String>>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_hold(DEFAULT_HOLD_SECS).await
    }

    /// With a hold window of `hold_secs`, for tests that watch holds expire.
    pub async fn spawn_with_hold(hold_secs: u64) -> Self {
        Self::spawn_with(hold_secs, None).await
    }

    /// With Stripe webhooks sent to `webhook_url`, signed with the emulator's test secret.
    pub async fn spawn_with(hold_secs: u64, webhook_url: Option<String>) -> Self {
        Self::spawn_customised(hold_secs, webhook_url, |_| {}).await
    }

    /// With abuse limits of the test's choosing (smaller, or with trusted proxies).
    pub async fn spawn_with_limits(limits: LimitSettings) -> Self {
        Self::spawn_from(DEFAULT_HOLD_SECS, None, limits, |_| {}).await
    }

    /// With the gateway's state changed by `customise` before the router is built (a smaller
    /// gate to Temporal, a smaller password pool…), for tests of the shop under pressure.
    pub async fn spawn_customised(
        hold_secs: u64,
        webhook_url: Option<String>,
        customise: impl FnOnce(&mut AppState),
    ) -> Self {
        Self::spawn_from(hold_secs, webhook_url, LimitSettings::default(), customise).await
    }

    async fn spawn_from(
        hold_secs: u64,
        webhook_url: Option<String>,
        limits: LimitSettings,
        customise: impl FnOnce(&mut AppState),
    ) -> Self {
        crate::init_test_log();
        let database = TestDatabase::create().await;
        let temporal = boxoffice_runtime::temporal::connect(shared_temporal(), "default")
            .await
            .expect("connect to temporal");
        let stripe = StripeEmulator::spawn(EmulatorConfig {
            webhook_url,
            webhook_secret: stripe_emulator::TEST_WEBHOOK_SECRET.to_owned(),
        })
        .await
        .expect("start the stripe emulator");
        let settings = Settings {
            saga: SagaSettings {
                task_queue: format!("purchase-test-{}", uuid::Uuid::new_v4().simple()),
                hold_secs,
                claim_lease: CLAIM_LEASE,
                max_holds: 4,
            },
            stripe: StripeSettings {
                webhook_secret: Some(stripe_emulator::TEST_WEBHOOK_SECRET.into()),
                publishable_key: Some(stripe_emulator::TEST_PUBLISHABLE_KEY.to_owned()),
                js_url: format!("{}/js/v3/stripe.js", stripe.base_url),
            },
            limits,
            hashing: HashingBudget::for_process(2, None),
            public_metrics: true,
            temporal_ui_url: Some(TEMPORAL_UI_URL.to_owned()),
            links: boxoffice_activities::mail::Links::new(crate::mail::PUBLIC_URL),
        };
        let mut state = AppState::new(
            database.db.clone(),
            database.db.clone(),
            temporal,
            SessionKeys::new(&"test-secret-0123456789abcdef".into()),
            settings,
        );
        customise(&mut state);
        let app = Self {
            router: app::router(state.clone()),
            state,
            database,
            stripe,
            worker: Mutex::new(None),
            smtp_url: Mutex::new(None),
        };
        app.start_worker();
        app
    }

    /// Starts a purchase worker (again, after `stop_worker`).
    pub fn start_worker(&self) {
        let worker = TestWorker::start(WorkerConfig {
            database_url: self.database.url.clone(),
            temporal_address: shared_temporal().to_owned(),
            stripe_api_base: format!("{}/", self.stripe.base_url),
            saga: self.state.settings.saga.clone(),
            smtp_url: self.smtp_url.lock().expect("smtp lock").clone(),
        });
        self.state.sdk_metrics.set(worker.metrics_addr);
        *self.worker.lock().expect("worker lock") = Some(worker);
    }

    /// Restarts the purchase worker with its mail sent to `smtp_url` from now on.
    pub fn send_mail_to(&self, smtp_url: &str) {
        self.stop_worker();
        *self.smtp_url.lock().expect("smtp lock") = Some(smtp_url.to_owned());
        self.start_worker();
    }

    /// Restarts the purchase worker with its mail sent to this test binary's MailDev.
    pub fn send_mail_to_maildev(&self) {
        self.send_mail_to(&crate::mail::shared_maildev().0);
    }

    /// Stops the purchase worker, as a crash or a deploy would.
    pub fn stop_worker(&self) {
        if let Some(worker) = self.worker.lock().expect("worker lock").take() {
            worker.stop();
        }
    }

    /// A client with no session.
    pub fn anonymous(&self) -> ApiClient<'_> {
        ApiClient {
            app: self,
            cookie: None,
            origin: None,
        }
    }

    /// A client signed up (and so signed in) as `email`, with password `password123`.
    pub async fn signed_up(&self, email: &str) -> ApiClient<'_> {
        let mut client = self.anonymous();
        let response = client.sign_up(email, "password123").await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        client
    }

    /// `n` buyers, each signed in with a session of their own. They are written straight to the
    /// users table (with a placeholder hash) rather than signed up, so that tests about orders
    /// don't spend their time hashing passwords.
    pub async fn signed_in_buyers(&self, n: usize) -> Vec<ApiClient<'_>> {
        let run = uuid::Uuid::new_v4().simple().to_string();
        let mut buyers = Vec::with_capacity(n);
        for i in 0..n {
            let email = format!("rush-{i}-{}@example.com", &run[..8]);
            let user = users::create_user(&self.state.db, &email, PLACEHOLDER_HASH)
                .await
                .expect("create a buyer");
            let until = chrono::Utc::now() + chrono::Duration::days(1);
            let session_id = sessions::start_session(&self.state.db, user.id, until, None)
                .await
                .expect("start a session");
            let session = SessionUser {
                id: user.id,
                email: user.email,
                session_id,
            };
            let cookie = self
                .state
                .sessions
                .session_cookie(&session, false)
                .expect("a session cookie");
            buyers.push(ApiClient {
                app: self,
                cookie: Some(format!("{}={}", cookie.name(), cookie.value())),
                origin: None,
            });
        }
        buyers
    }

    /// The number of workflows this app's gateway started, once visibility has caught up with
    /// at least `at_least` of them (it lags the starts a little).
    pub async fn workflows_started(&self, at_least: usize) -> usize {
        let query = format!("TaskQueue = '{}'", self.state.settings.saga.task_queue);
        let count = || async {
            self.state
                .temporal
                .count_workflows(query.clone(), WorkflowCountOptions::builder().build())
                .await
                .expect("count workflows")
                .count()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut seen = count().await;
        while seen < at_least && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            seen = count().await;
        }
        seen
    }

    /// The purchase saga (the workflow) of `order`, an order as the API answers it.
    pub fn saga_of(&self, order: &Value) -> WorkflowHandle<Client, PurchaseWorkflow> {
        let order_id: OrderId = order["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("not an order: {order}"));
        self.state
            .temporal
            .get_workflow_handle(workflow_id(order_id))
    }

    /// Sends a raw request, for bodies a JSON value can't express.
    pub async fn send(&self, request: Request<Body>) -> ApiResponse {
        ApiResponse::read(self.router_response(request).await).await
    }

    /// The router's response itself, headers and all.
    pub async fn router_response(&self, request: Request<Body>) -> axum::response::Response {
        self.router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible")
    }
}

/// One browser's worth of session: remembers the cookie the server sets.
#[derive(Clone)]
pub struct ApiClient<'a> {
    app: &'a TestApp,
    cookie: Option<String>,
    origin: Option<Origin>,
}

/// Where a client's requests come from, as the gateway's socket sees them.
#[derive(Clone)]
struct Origin {
    peer: SocketAddr,
    forwarded_for: Option<String>,
}

impl ApiClient<'_> {
    /// The same client, its requests arriving from `peer` (a client's own address, or a
    /// proxy's) with `X-Forwarded-For: forwarded_for` when given. Without this, requests come
    /// from no socket at all, and every such client shares one unknown address.
    pub fn from(mut self, peer: &str, forwarded_for: Option<&str>) -> Self {
        let ip: std::net::IpAddr = peer.parse().expect("an IP address");
        self.origin = Some(Origin {
            peer: SocketAddr::new(ip, 40000),
            forwarded_for: forwarded_for.map(str::to_owned),
        });
        self
    }

    pub async fn get(&mut self, path: &str) -> ApiResponse {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> ApiResponse {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&mut self, path: &str, body: Value) -> ApiResponse {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&mut self, path: &str) -> ApiResponse {
        self.call(Method::DELETE, path, None).await
    }

    /// Posts `email` and `password`, whatever they are, to sign-up.
    pub async fn sign_up(&mut self, email: &str, password: &str) -> ApiResponse {
        let credentials = serde_json::json!({"email": email, "password": password});
        self.post("/api/users/signup", credentials).await
    }

    /// Posts `email` and `password`, whatever they are, to sign-in.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> ApiResponse {
        let credentials = serde_json::json!({"email": email, "password": password});
        self.post("/api/users/signin", credentials).await
    }

    pub fn session_cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    async fn call(&mut self, method: Method, path: &str, body: Option<Value>) -> ApiResponse {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(origin) = &self.origin {
            request = request.extension(ConnectInfo(origin.peer));
            if let Some(forwarded_for) = &origin.forwarded_for {
                request = request.header("x-forwarded-for", forwarded_for);
            }
        }
        let request = match body {
            Some(json) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("valid request");
        let response = self.app.send(request).await;
        if let Some(set_cookie) = &response.set_cookie {
            let pair = set_cookie.split(';').next().unwrap_or_default().to_owned();
            let cleared = set_cookie.contains("Max-Age=0") || pair.ends_with('=');
            self.cookie = (!cleared).then_some(pair);
        }
        response
    }
}

/// A response with its body parsed as JSON (or kept as a string when it is not JSON).
#[derive(Debug)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub body: Value,
    pub set_cookie: Option<String>,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    /// `Link` (the next page of a paginated list).
    pub link: Option<String>,
}

impl ApiResponse {
    async fn read(response: axum::response::Response) -> Self {
        let status = response.status();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let set_cookie = header_text(header::SET_COOKIE);
        let content_type = header_text(header::CONTENT_TYPE);
        let retry_after = header_text(header::RETRY_AFTER);
        let link = header_text(header::LINK);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("read body");
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Self {
            status,
            body,
            set_cookie,
            content_type,
            retry_after,
            link,
        }
    }

    /// The messages of a contract error body, in order.
    pub fn error_messages(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("not an error body: {}", self.body))
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Asserts that the answer is `status` with a contract error body of exactly `messages`.
    #[track_caller]
    pub fn assert_error<const N: usize>(&self, status: StatusCode, messages: [&str; N]) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.error_messages(), messages);
    }

    /// The `field`s named by a contract error body, in order.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("not an error body: {}", self.body))
            .iter()
            .filter_map(|e| e["field"].as_str().map(str::to_owned))
            .collect()
    }
}

/// The gateway on a real socket (port 0), for tests that need real HTTP.
pub struct TestServer {
    pub base_url: String,
    pub app: TestApp,
}

impl TestServer {
    pub async fn spawn() -> Self {
        Self::spawn_with_hold(DEFAULT_HOLD_SECS).await
    }

    /// With a hold window of `hold_secs`, for tests that watch holds expire.
    pub async fn spawn_with_hold(hold_secs: u64) -> Self {
        Self::spawn_customised(hold_secs, |_| {}).await
    }

    /// With the gateway's state changed by `customise` (see [`TestApp::spawn_customised`]).
    pub async fn spawn_customised(hold_secs: u64, customise: impl FnOnce(&mut AppState)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        // The emulator posts webhooks to this very server.
        let webhook_url = format!("{base_url}/api/webhooks/stripe");
        let app = TestApp::spawn_customised(hold_secs, Some(webhook_url), customise).await;
        let router = app::router(app.state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base_url, app }
    }
}
