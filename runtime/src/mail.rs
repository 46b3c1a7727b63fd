//! Delivering the outbox: the dispatcher the worker process runs beside the Temporal worker (never
//! inside a workflow or an activity, so sending never delays a saga), and the SMTP transport it
//! sends with. It takes due messages under a lease, sends each, and marks it sent, or schedules
//! its retry with exponential backoff; a dispatcher that dies mid-way leaves its messages to the
//! next once their lease runs out (at least once).

use std::time::Duration;

use anyhow::Context;
use boxoffice_activities::entities::outbox as row;
use boxoffice_activities::mail::Links;
use boxoffice_activities::metrics;
use boxoffice_activities::store::outbox;
use chrono::Utc;
use futures::StreamExt;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How messages leave: over SMTP, or not at all (`BOXOFFICE_MAIL=off`: each is recorded in the
/// outbox and marked not sent).
#[derive(Clone)]
pub enum Delivery {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
        /// `host:port`, for logs (the URL may carry credentials).
        server: String,
    },
    Off,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp { server, from, .. } => write!(f, "SMTP to {server} from {from}"),
            Self::Off => f.write_str("off"),
        }
    }
}

impl Delivery {
    /// SMTP to `url` (`smtp://[user:password@]host[:port]`, `smtps://…` for TLS from the first
    /// byte, `?tls=required` for STARTTLS), from `from`. Made inside a Tokio runtime: its
    /// connection pool keeps a task there.
    pub fn smtp(url: &SecretString, from: &str) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url.expose_secret())
            .map_err(|_| anyhow::anyhow!("SMTP_URL is not a URL (smtp://host:port)"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "smtp" | "smtps"),
            "SMTP_URL must start with smtp:// or smtps://"
        );
        let server = format!(
            "{}:{}",
            parsed.host_str().unwrap_or("?"),
            parsed
                .port()
                .unwrap_or(if parsed.scheme() == "smtps" { 465 } else { 25 })
        );
        // lettre's errors name no part of the URL; ours neither, so no password reaches a log.
        // A pool keeps connections open between messages, so a busy outbox is not a TCP (and TLS)
        // handshake, a greeting and a QUIT per message; one connection per concurrent send.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|_| anyhow::anyhow!("SMTP_URL is not a usable SMTP URL ({server})"))?
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(SENDS_AT_ONCE as u32))
            .build();
        let from = from
            .parse::<Mailbox>()
            .with_context(|| format!("BOXOFFICE_MAIL_FROM `{from}` is not an address"))?;
        Ok(Self::Smtp {
            transport: Box::new(transport),
            from,
            server,
        })
    }

    async fn send(&self, message: &row::Model) -> Result<(), String> {
        let Self::Smtp {
            transport, from, ..
        } = self
        else {
            return Err(NOT_SENT_OFF.to_owned());
        };
        let to = message
            .recipient
            .parse::<Mailbox>()
            .map_err(|err| format!("bad recipient: {err}"))?;
        let email = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(message.message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(message.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(message.html.clone()),
                    ),
            )
            .map_err(|err| format!("cannot build the message: {err}"))?;
        transport
            .send(email)
            .await
            .map(drop)
            .map_err(|err| err.to_string())
    }
}

const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Messages of a batch sent at once: an SMTP exchange mostly waits on the server, so one at a time
/// would hold a busy shop's mail to one round trip per message.
const SENDS_AT_ONCE: usize = 8;

/// What a message reads as while mail is switched off.
pub const NOT_SENT_OFF: &str = "not sent: mail is switched off (BOXOFFICE_MAIL=off)";

/// How the dispatcher paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// How long an idle dispatcher waits before looking again.
    pub poll: Duration,
    /// How long a taken message is this dispatcher's alone; longer than a send can take.
    pub lease: Duration,
    /// The first retry's delay; each next one doubles it, up to `max_retry`.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// Messages taken at once.
    pub batch: u64,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(15 * 60),
            batch: 20,
        }
    }
}

impl Pacing {
    /// The wait before the next attempt, after `attempts` failed ones.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        self.first_retry
            .saturating_mul(1 << doublings)
            .min(self.max_retry)
    }
}

/// The shop's e-mail, as the worker and its activities need it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Where the messages link to.
    pub links: Links,
    pub delivery: Delivery,
    pub pacing: Pacing,
}

/// A running dispatcher; stopped with [`Dispatcher::stop`] (or when dropped, between batches).
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Dispatcher {
    pub fn spawn(db: DatabaseConnection, delivery: Delivery, pacing: Pacing) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            tracing::info!(?delivery, "mail dispatcher running");
            let mut measured = std::time::Instant::now() - BACKLOG_EVERY;
            loop {
                if measured.elapsed() >= BACKLOG_EVERY {
                    measured = std::time::Instant::now();
                    if let Ok((pending, oldest)) = outbox::backlog(&db).await {
                        let age = oldest.map_or(0.0, |at| (Utc::now() - at).as_seconds_f64());
                        metrics::mail_backlog(pending, age.max(0.0));
                    }
                }
                let busy = match dispatch_once(&db, &delivery, &pacing).await {
                    Ok(sent) => sent > 0,
                    Err(err) => {
                        tracing::warn!(error = %err, "mail dispatcher cannot read the outbox");
                        false
                    }
                };
                if *stopped.borrow() {
                    break;
                }
                if !busy {
                    tokio::select! {
                        _ = stopped.changed() => break,
                        () = tokio::time::sleep(pacing.poll) => {}
                    }
                }
            }
        });
        Self { stop, task }
    }

    /// Stops taking messages; the batch in hand is finished first.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// How often the dispatcher measures the backlog (pending messages, the oldest's age).
const BACKLOG_EVERY: Duration = Duration::from_secs(5);

/// One round: takes the due messages and tries each once, several at a time; how many were taken.
pub async fn dispatch_once(
    db: &DatabaseConnection,
    delivery: &Delivery,
    pacing: &Pacing,
) -> anyhow::Result<usize> {
    let due = outbox::take_due(db, pacing.batch, pacing.lease, Utc::now()).await?;
    let taken = due.len();
    let mut attempts = futures::stream::iter(due)
        .map(|message| attempt(db, delivery, pacing, message))
        .buffer_unordered(SENDS_AT_ONCE);
    let mut outcome = Ok(());
    while let Some(attempted) = attempts.next().await {
        // The first error is reported; the other sends of the batch still finish and are marked.
        if outcome.is_ok() {
            outcome = attempted;
        }
    }
    outcome.map(|()| taken)
}

/// Sends `message` once and marks it sent, or schedules its retry.
async fn attempt(
    db: &DatabaseConnection,
    delivery: &Delivery,
    pacing: &Pacing,
    message: row::Model,
) -> anyhow::Result<()> {
    // A message whose lease could run out during the send is left for the next take, so that no
    // other dispatcher can take it while this one is still sending it.
    let margin = SMTP_TIMEOUT.min(pacing.lease / 2);
    let lease_until = message.lease_until.unwrap_or_default();
    if Utc::now() + chrono::Duration::from_std(margin).unwrap_or_default() >= lease_until {
        return Ok(());
    }
    match delivery.send(&message).await {
        Ok(()) => {
            mark_sent(db, &message, Utc::now()).await?;
            metrics::mail_sent(&message.kind);
            tracing::info!(kind = %message.kind, message_id = %message.message_id, "mail sent");
        }
        Err(error) => {
            let off = matches!(delivery, Delivery::Off);
            // Switched off: recorded, not retried (a year is "not until someone looks").
            let wait = if off {
                Duration::from_secs(365 * 24 * 3600)
            } else {
                pacing.backoff(message.attempts)
            };
            let retry_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            outbox::mark_failed(db, message.id, &error, retry_at).await?;
            metrics::mail_failed(if off { "off" } else { reason(&error) });
            if !off {
                tracing::warn!(kind = %message.kind, message_id = %message.message_id, attempts = message.attempts, retry_in = ?wait, %error, "mail not sent; will retry");
            }
        }
    }
    Ok(())
}

/// Marks `message`, which the SMTP server accepted at `accepted`, sent. While the database is away
/// (a restart, a failover) it tries again for as long as the message's lease lasts: giving up at
/// once would leave it to be sent a second time when the lease ends.
async fn mark_sent(
    db: &DatabaseConnection,
    message: &row::Model,
    accepted: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let lease_until = message.lease_until.unwrap_or_default();
    loop {
        match outbox::mark_sent(db, message.id, accepted).await {
            Ok(()) => return Ok(()),
            Err(err) if Utc::now() + chrono::Duration::seconds(1) < lease_until => {
                tracing::warn!(message_id = %message.message_id, error = %err, "mail sent but not yet marked sent; trying again");
                tokio::time::sleep(MARK_SENT_RETRY).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// How soon a failed mark of a sent message is tried again.
const MARK_SENT_RETRY: Duration = Duration::from_millis(500);

/// A coarse reason for the failure metric's label.
fn reason(error: &str) -> &'static str {
    let error = error.to_ascii_lowercase();
    if error.contains("connection") || error.contains("network") || error.contains("refused") {
        "connection"
    } else if error.contains("timed out") || error.contains("timeout") {
        "timeout"
    } else if error.contains("recipient") {
        "recipient"
    } else if error.contains("permanent") {
        "rejected"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let pacing = Pacing {
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(60),
            ..Pacing::default()
        };
        let waits: Vec<u64> = (1..=6).map(|n| pacing.backoff(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
    }

    // The pool lettre builds keeps a task on the runtime: the transport is made inside one.
    #[tokio::test]
    async fn an_smtp_url_with_a_password_is_refused_without_naming_it() {
        let err = Delivery::smtp(&SecretString::from("http://me:hunter2@mail:25"), "a@b.c")
            .expect_err("not smtp");
        assert!(!format!("{err:#}").contains("hunter2"));
        let ok = Delivery::smtp(&SecretString::from("smtp://me:hunter2@mail:2525"), "a@b.c")
            .expect("an smtp url");
        assert!(!format!("{ok:?}").contains("hunter2"));
    }
}
