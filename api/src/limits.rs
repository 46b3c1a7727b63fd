//! Abuse limits that need no exactness: sign-up and sign-in per client address and per account
//! (brute force, credential stuffing), payments per buyer per hour (card testing), listings per
//! seller per hour. Each is a token bucket (governor) in this gateway's memory: with several
//! gateways, each allows its own share. The limits that must be exact (holds per buyer, payment
//! attempts per order) are enforced in the database and the workflow instead.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use boxoffice_domain::UserId;
use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};

/// How many of each, at most; `None` switches the per-address and per-account limits off (load
/// tests sign up thousands of buyers from one address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    pub enabled: bool,
    /// Sign-ups and sign-ins from one client address, per minute.
    pub auth_per_address_per_minute: u32,
    /// Sign-in attempts for one account, per minute.
    pub sign_ins_per_account_per_minute: u32,
    /// Payment attempts by one buyer, per hour (every order together).
    pub payments_per_buyer_per_hour: u32,
    /// Tickets one seller lists, per hour.
    pub listings_per_seller_per_hour: u32,
    /// Proxies whose `X-Forwarded-For` is believed; nobody else's is.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            auth_per_address_per_minute: 30,
            sign_ins_per_account_per_minute: 5,
            payments_per_buyer_per_hour: 30,
            listings_per_seller_per_hour: 60,
            trusted_proxies: Vec::new(),
        }
    }
}

type Keyed<K> = RateLimiter<K, governor::state::keyed::HashMapStateStore<K>, DefaultClock>;

/// A limit was reached: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{what}; please try again in {} seconds", retry_after.as_secs().max(1))]
pub struct Limited {
    pub what: &'static str,
    pub retry_after: Duration,
}

/// This gateway's buckets. Cheap to clone.
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Buckets>,
}

struct Buckets {
    settings: LimitSettings,
    auth_per_address: Keyed<IpAddr>,
    sign_ins_per_account: Keyed<String>,
    payments_per_buyer: Keyed<UserId>,
    listings_per_seller: Keyed<UserId>,
}

fn per(period: Duration, count: u32) -> Quota {
    let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period / count.get())
        .unwrap_or_else(|| Quota::per_second(count))
        .allow_burst(count)
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        Self {
            inner: Arc::new(Buckets {
                auth_per_address: RateLimiter::hashmap(per(
                    MINUTE,
                    settings.auth_per_address_per_minute,
                )),
                sign_ins_per_account: RateLimiter::hashmap(per(
                    MINUTE,
                    settings.sign_ins_per_account_per_minute,
                )),
                payments_per_buyer: RateLimiter::hashmap(per(
                    HOUR,
                    settings.payments_per_buyer_per_hour,
                )),
                listings_per_seller: RateLimiter::hashmap(per(
                    HOUR,
                    settings.listings_per_seller_per_hour,
                )),
                settings,
            }),
        }
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.inner.settings
    }

    /// A sign-up or sign-in from `client`; for a sign-in, `account` is the email tried.
    pub fn auth(&self, client: ClientAddress, account: Option<&str>) -> Result<(), Limited> {
        if let Some(address) = client.0 {
            self.take(
                &self.inner.auth_per_address,
                &address,
                "Too many sign-ins from here",
            )?;
        }
        if let Some(account) = account {
            let account = account.trim().to_lowercase();
            self.take(
                &self.inner.sign_ins_per_account,
                &account,
                "Too many sign-in attempts for this account",
            )?;
        }
        Ok(())
    }

    pub fn payment(&self, buyer: UserId) -> Result<(), Limited> {
        self.take(
            &self.inner.payments_per_buyer,
            &buyer,
            "Too many payment attempts",
        )
    }

    pub fn listing(&self, seller: UserId) -> Result<(), Limited> {
        self.take(
            &self.inner.listings_per_seller,
            &seller,
            "Too many tickets listed",
        )
    }

    fn take<K: Clone + std::hash::Hash + Eq>(
        &self,
        bucket: &Keyed<K>,
        key: &K,
        what: &'static str,
    ) -> Result<(), Limited> {
        if !self.inner.settings.enabled {
            return Ok(());
        }
        bucket.check_key(key).map_err(|not_until| Limited {
            what,
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not one of ours. `None` when unknown (no socket, as in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    pub fn of(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> Self {
        let Some(peer) = peer else {
            return Self(None);
        };
        if !trusted.contains(&peer) {
            return Self(Some(peer));
        }
        let forwarded = forwarded_for
            .into_iter()
            .flat_map(|header| header.rsplit(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .find(|hop| !trusted.contains(hop));
        Self(Some(forwarded.unwrap_or(peer)))
    }
}

impl<S> FromRequestParts<S> for ClientAddress
where
    S: Send + Sync,
    Limits: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let limits = Limits::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok());
        Ok(Self::of(
            peer,
            forwarded,
            &limits.settings().trusted_proxies,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let claimed = Some("6.6.6.6, 203.0.113.7");
        assert_eq!(
            ClientAddress::of(Some(ip("198.51.100.2")), claimed, &[proxy]).0,
            Some(ip("198.51.100.2"))
        );
        assert_eq!(
            ClientAddress::of(Some(proxy), claimed, &[proxy]).0,
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            ClientAddress::of(Some(proxy), None, &[proxy]).0,
            Some(proxy)
        );
    }

    #[test]
    fn the_sixth_sign_in_for_one_account_within_a_minute_waits() {
        let limits = Limits::new(LimitSettings::default());
        let client = ClientAddress(None);
        for _ in 0..5 {
            assert!(limits.auth(client, Some("ann@example.com")).is_ok());
        }
        let limited = limits.auth(client, Some("ANN@example.com ")).unwrap_err();
        assert!(limited.retry_after > Duration::ZERO);
        assert!(limits.auth(client, Some("bob@example.com")).is_ok());
    }

    #[test]
    fn switched_off_nothing_is_limited() {
        let limits = Limits::new(LimitSettings {
            enabled: false,
            ..LimitSettings::default()
        });
        for _ in 0..100 {
            assert!(
                limits
                    .auth(ClientAddress(None), Some("ann@example.com"))
                    .is_ok()
            );
        }
    }
}
