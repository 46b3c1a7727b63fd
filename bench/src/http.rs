//! The shop's HTTP API as the bench's buyers and sellers use it: real requests, real sessions.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LINK, RETRY_AFTER, SET_COOKIE};
use serde_json::{Value, json};

/// Every account the bench makes has this password.
const PASSWORD: &str = "bench-password-1";

/// One browser's session cookie.
#[derive(Debug, Clone)]
pub struct Session(String);

/// An answer: status, parsed body, and how long it took.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub took: Duration,
    pub retry_after: Option<String>,
    /// The path of the next page, from a `Link: <…>; rel="next"` header.
    pub next_page: Option<String>,
}

#[derive(Clone)]
pub struct Shop {
    http: reqwest::Client,
    base: String,
}

impl Shop {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(usize::MAX)
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A new account, signed in. A busy shop (503) is asked again after its `Retry-After`.
    pub async fn sign_up(&self, email: &str) -> anyhow::Result<Session> {
        let body = json!({"email": email, "password": PASSWORD});
        loop {
            let (answer, session) = self.send_credentials("signup", &body).await?;
            match answer.status {
                StatusCode::CREATED => return session.context("sign-up set no session cookie"),
                StatusCode::SERVICE_UNAVAILABLE => wait_to_retry(&answer).await,
                status => bail!("sign-up of {email}: {status} {}", answer.body),
            }
        }
    }

    /// One sign-in attempt, as it was answered.
    pub async fn sign_in(&self, email: &str) -> anyhow::Result<(Answer, Option<Session>)> {
        let body = json!({"email": email, "password": PASSWORD});
        self.send_credentials("signin", &body).await
    }

    async fn send_credentials(
        &self,
        action: &str,
        body: &Value,
    ) -> anyhow::Result<(Answer, Option<Session>)> {
        let started = Instant::now();
        let response = self
            .http
            .post(format!("{}/api/users/{action}", self.base))
            .json(body)
            .send()
            .await?;
        let session = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|cookie| cookie.starts_with("session="))
            .and_then(|cookie| cookie.split(';').next())
            .map(|pair| Session(pair.to_owned()));
        let answer = Answer::read(response, started).await?;
        Ok((answer, session))
    }

    /// Lists a ticket; returns its id.
    pub async fn sell(&self, seller: &Session, title: &str, price: f64) -> anyhow::Result<String> {
        let answer = self
            .post(
                seller,
                "/api/tickets",
                json!({"title": title, "price": price}),
            )
            .await?;
        if answer.status != StatusCode::CREATED {
            bail!("listing a ticket: {} {}", answer.status, answer.body);
        }
        id_of(&answer.body)
    }

    pub async fn order(&self, buyer: &Session, ticket_id: &str) -> anyhow::Result<Answer> {
        self.post(buyer, "/api/orders", json!({"ticketId": ticket_id}))
            .await
    }

    pub async fn pay(
        &self,
        buyer: &Session,
        order_id: &str,
        token: &str,
    ) -> anyhow::Result<Answer> {
        self.post(
            buyer,
            "/api/payments",
            json!({"orderId": order_id, "token": token}),
        )
        .await
    }

    /// The shop's socket address, for the load generator.
    pub fn addr(&self) -> anyhow::Result<std::net::SocketAddr> {
        self.base()
            .trim_start_matches("http://")
            .parse()
            .context("the shop's address")
    }

    /// The signed-in user's id.
    pub async fn current_user_id(&self, session: &Session) -> anyhow::Result<String> {
        let answer = self.get(Some(session), "/api/users/currentuser").await?;
        answer.body["currentUser"]["id"]
            .as_str()
            .map(str::to_owned)
            .context("no signed-in user")
    }

    /// The shop's `boxoffice_http_requests_shed_total`, by reason (from its `/metrics`).
    pub async fn shed_counts(&self) -> anyhow::Result<std::collections::BTreeMap<String, f64>> {
        let text = self.metrics().await?;
        Ok(text
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("boxoffice_http_requests_shed_total{reason=\"")?;
                let (reason, count) = rest.split_once("\"} ")?;
                Some((reason.to_owned(), count.trim().parse().ok()?))
            })
            .collect())
    }

    /// The value of the unlabelled gauge or counter `name` on the shop's `/metrics`.
    pub async fn metric(&self, name: &str) -> anyhow::Result<f64> {
        let text = self.metrics().await?;
        text.lines()
            .find_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
            .with_context(|| format!("{name} is not on /metrics"))
    }

    async fn metrics(&self) -> anyhow::Result<String> {
        Ok(self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?)
    }

    pub async fn get(&self, session: Option<&Session>, path: &str) -> anyhow::Result<Answer> {
        let started = Instant::now();
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(Session(cookie)) = session {
            request = request.header(COOKIE, cookie);
        }
        Answer::read(request.send().await?, started).await
    }

    async fn post(&self, session: &Session, path: &str, body: Value) -> anyhow::Result<Answer> {
        let started = Instant::now();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &session.0)
            .json(&body)
            .send()
            .await?;
        Answer::read(response, started).await
    }
}

impl Answer {
    async fn read(response: reqwest::Response, started: Instant) -> anyhow::Result<Self> {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let next_page = response
            .headers()
            .get(LINK)
            .and_then(|value| value.to_str().ok())
            .and_then(next_link);
        let bytes = response.bytes().await?;
        let took = started.elapsed();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Self {
            status,
            body,
            took,
            retry_after,
            next_page,
        })
    }
}

/// The target of the `rel="next"` link in a `Link` header, as a path.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (target, params) = link.split_once(';')?;
        params
            .split(';')
            .any(|param| param.trim().eq_ignore_ascii_case("rel=\"next\""))
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

pub fn id_of(body: &Value) -> anyhow::Result<String> {
    body["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no id in {body}"))
}

/// Sleeps as long as a 503's `Retry-After` asks (1 s when it does not say).
async fn wait_to_retry(answer: &Answer) {
    let secs = answer
        .retry_after
        .as_deref()
        .and_then(|value| value.parse::<u64>().ok())
        .unwrap_or(1);
    tokio::time::sleep(Duration::from_secs(secs)).await;
}
