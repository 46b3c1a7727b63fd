//! One MailDev per test binary, started on free ports like the Temporal dev server, and reading
//! the messages it caught back through its REST API (`GET /email`). Tests tell their messages
//! apart by recipient: every test's accounts are its own.

use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use boxoffice_activities::entities::outbox;
use boxoffice_runtime::maildev::{MailDev, find_cli};
use boxoffice_runtime::temporal_server::free_port;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

/// Where the messages link to in tests.
pub const PUBLIC_URL: &str = "http://shop.test";

/// This test binary's MailDev: `(smtp_url, inbox_url)`, started on first use; it lives on a
/// thread of its own for the whole run, and the kernel stops it with the test process.
pub fn shared_maildev() -> &'static (String, String) {
    static URLS: OnceLock<(String, String)> = OnceLock::new();
    URLS.get_or_init(|| {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("maildev".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                let maildev = runtime.block_on(start_maildev(free_port().expect("free port")));
                tx.send((maildev.smtp_url(), maildev.inbox_url()))
                    .expect("send urls");
                loop {
                    std::thread::park();
                }
            })
            .expect("spawn maildev thread");
        rx.recv().expect("maildev started")
    })
}

/// A MailDev of the test's own, its SMTP server on `smtp_port` (stopped when dropped).
pub async fn start_maildev(smtp_port: u16) -> MailDev {
    let cli = find_cli()
        .expect("MailDev is needed for tests: run deploy/dev-tools.sh (npm ci in deploy/maildev)");
    let log =
        std::env::temp_dir().join(format!("boxoffice-test-maildev-{}.log", std::process::id()));
    MailDev::start(&cli, smtp_port, free_port().expect("free port"), Some(&log))
        .await
        .expect("start MailDev")
}

/// The messages `inbox_url`'s MailDev caught for `recipient`, oldest first.
pub async fn messages_to(inbox_url: &str, recipient: &str) -> Vec<Value> {
    let all: Vec<Value> = reqwest::get(format!("{inbox_url}/email"))
        .await
        .expect("ask MailDev")
        .json()
        .await
        .expect("MailDev's JSON");
    all.into_iter()
        .filter(|message| {
            message["to"].as_array().is_some_and(|to| {
                to.iter()
                    .any(|to| to["address"].as_str() == Some(recipient))
            })
        })
        .collect()
}

/// Waits (up to 60 s) until `recipient` has a message whose subject starts with `subject`, and
/// returns every such message (so a test can see that it came once).
pub async fn wait_for_message(inbox_url: &str, recipient: &str, subject: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found: Vec<Value> = messages_to(inbox_url, recipient)
            .await
            .into_iter()
            .filter(|message| {
                message["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(subject))
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "no message `{subject}…` reached {recipient}; it has {:?}",
            messages_to(inbox_url, recipient)
                .await
                .iter()
                .map(|m| m["subject"].clone())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The path of the shop's link labelled `label` in a message's plain text (`Pay here:
/// http://shop.test/orders/…` → `/orders/…`): messages link to the public URL, and the test's
/// shop is on an address of its own.
pub fn link_path<'a>(text: &'a str, label: &str) -> &'a str {
    let link = text
        .lines()
        .find_map(|line| line.strip_prefix(label)?.strip_prefix(": "))
        .unwrap_or_else(|| panic!("no `{label}` link in {text}"));
    link.strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("{link} is no link to the shop"))
}

/// The plain text of the newest message of `kind` (`verify`, `password_reset`, …) the shop wrote
/// to `recipient`, read from its outbox: sent or not, so it serves test binaries that run with
/// mail off.
pub async fn outbox_text(db: &DatabaseConnection, recipient: &str, kind: &str) -> String {
    outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(recipient))
        .filter(outbox::Column::Kind.eq(kind))
        .order_by_desc(outbox::Column::CreatedAt)
        .one(db)
        .await
        .expect("read the outbox")
        .unwrap_or_else(|| panic!("no {kind} message to {recipient} in the outbox"))
        .text
}
