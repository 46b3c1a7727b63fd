//! Abuse limits that need no exactness, kept in this gateway's memory (with several gateways, each
//! allows its own share; the limits that must be exact — holds per buyer, payment attempts per
//! order — are enforced in the database and the workflow instead):
//!
//! - sign-ups and sign-in attempts per client address (brute force, credential stuffing);
//! - failed sign-ins per account *and* address, so that an attacker's failures from their address
//!   never lock the owner out of theirs, with a higher ceiling per account across every address
//!   that a sign-in from an address the account is signed in from already does not count against;
//! - payments per buyer (card testing), listings and edits per seller (each edit empties every
//!   gateway's cached listing), orders, cancels and waiting-list joins per buyer (a
//!   place-then-cancel loop starts a Temporal workflow each time).
//!
//! Clients are told apart by address: the socket's peer, or what a trusted proxy says it is
//! forwarding for; IPv6 clients by their /64, the smallest block one subscriber gets. Every map is
//! swept of what no longer limits anyone, so the state stays as small as the last minutes' traffic.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use boxoffice_domain::UserId;
use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use ipnet::IpNet;

use crate::domain::Email;

/// How many of each, at most. `enabled: false` switches every one off (load tests sign up
/// thousands of buyers from one address; only `dev` may run so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    pub enabled: bool,
    /// Sign-ups and sign-in attempts from one client address, per minute.
    pub auth_per_address_per_minute: u32,
    /// Failed sign-ins for one account from one address, per minute.
    pub failed_sign_ins_per_account_and_address_per_minute: u32,
    /// Failed sign-ins for one account from every address together, per minute.
    pub failed_sign_ins_per_account_per_minute: u32,
    /// Payment attempts by one buyer, per hour (every order together).
    pub payments_per_buyer_per_hour: u32,
    /// Tickets one seller lists, per hour.
    pub listings_per_seller_per_hour: u32,
    /// Changes one seller makes to their tickets, per hour.
    pub edits_per_seller_per_hour: u32,
    /// Orders one buyer places, per hour.
    pub orders_per_buyer_per_hour: u32,
    /// Orders one buyer cancels, per hour.
    pub cancels_per_buyer_per_hour: u32,
    /// Waiting lists one buyer joins, per hour.
    pub joins_per_buyer_per_hour: u32,
    /// Proxies (addresses or CIDR blocks) whose `X-Forwarded-For` is believed; nobody else's is.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            auth_per_address_per_minute: 30,
            failed_sign_ins_per_account_and_address_per_minute: 5,
            failed_sign_ins_per_account_per_minute: 50,
            payments_per_buyer_per_hour: 30,
            listings_per_seller_per_hour: 60,
            edits_per_seller_per_hour: 120,
            orders_per_buyer_per_hour: 60,
            cancels_per_buyer_per_hour: 30,
            joins_per_buyer_per_hour: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

type Bucket<K> = RateLimiter<K, governor::state::keyed::HashMapStateStore<K>, DefaultClock>;

/// A limit was reached: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{what}; please try again in {} seconds", retry_after.as_secs().max(1))]
pub struct Limited {
    pub what: &'static str,
    pub retry_after: Duration,
}

/// This gateway's limits. Cheap to clone.
#[derive(Clone)]
pub struct Limits {
    inner: Arc<State>,
}

struct State {
    settings: LimitSettings,
    auth_per_address: Bucket<IpAddr>,
    failures_per_account_and_address: Failures<(String, Option<IpAddr>)>,
    failures_per_account: Failures<String>,
    payments_per_buyer: Bucket<UserId>,
    listings_per_seller: Bucket<UserId>,
    edits_per_seller: Bucket<UserId>,
    orders_per_buyer: Bucket<UserId>,
    cancels_per_buyer: Bucket<UserId>,
    joins_per_buyer: Bucket<UserId>,
    last_sweep: Mutex<Instant>,
}

/// What one buyer or seller does that each bucket counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pay,
    List,
    Edit,
    Order,
    Cancel,
    Join,
}

fn per(period: Duration, count: u32) -> Quota {
    let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period / count.get())
        .unwrap_or_else(|| Quota::per_second(count))
        .allow_burst(count)
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// How often the maps are swept of keys that no longer limit anyone.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        let hourly = |count| RateLimiter::hashmap(per(HOUR, count));
        let s = &settings;
        Self {
            inner: Arc::new(State {
                auth_per_address: RateLimiter::hashmap(per(MINUTE, s.auth_per_address_per_minute)),
                failures_per_account_and_address: Failures::new(
                    s.failed_sign_ins_per_account_and_address_per_minute,
                    MINUTE,
                ),
                failures_per_account: Failures::new(
                    s.failed_sign_ins_per_account_per_minute,
                    MINUTE,
                ),
                payments_per_buyer: hourly(s.payments_per_buyer_per_hour),
                listings_per_seller: hourly(s.listings_per_seller_per_hour),
                edits_per_seller: hourly(s.edits_per_seller_per_hour),
                orders_per_buyer: hourly(s.orders_per_buyer_per_hour),
                cancels_per_buyer: hourly(s.cancels_per_buyer_per_hour),
                joins_per_buyer: hourly(s.joins_per_buyer_per_hour),
                last_sweep: Mutex::new(Instant::now()),
                settings,
            }),
        }
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.inner.settings
    }

    /// A sign-up, or a sign-in attempt, from `client`: counted whatever comes of it (each one is a
    /// password hash).
    pub fn auth_attempt(&self, client: ClientAddress) -> Result<(), Limited> {
        match client.0 {
            Some(address) => self.take(
                &self.inner.auth_per_address,
                &address,
                "Too many sign-ins from here",
            ),
            None => Ok(()),
        }
    }

    /// Whether `account` may try to sign in from `client` now: not after too many failures from
    /// there, nor (unless the account is signed in from there already) from everywhere.
    pub fn sign_in_allowed(
        &self,
        account: &Email,
        client: ClientAddress,
        known_address: bool,
    ) -> Result<(), Limited> {
        if !self.inner.settings.enabled {
            return Ok(());
        }
        let what = "Too many failed sign-ins for this account";
        let here = (account.as_str().to_owned(), client.0);
        if let Some(retry_after) = self.inner.failures_per_account_and_address.blocked(&here) {
            return Err(Limited { what, retry_after });
        }
        if !known_address
            && let Some(retry_after) = self.inner.failures_per_account.blocked(account.as_str())
        {
            return Err(Limited { what, retry_after });
        }
        Ok(())
    }

    /// A sign-in for `account` from `client` failed (wrong password, or no such account).
    pub fn sign_in_failed(&self, account: &Email, client: ClientAddress) {
        self.sweep_now_and_then();
        let here = (account.as_str().to_owned(), client.0);
        self.inner.failures_per_account_and_address.record(here);
        self.inner
            .failures_per_account
            .record(account.as_str().to_owned());
    }

    /// One more `action` by the buyer or seller `who`.
    pub fn action(&self, who: UserId, action: Action) -> Result<(), Limited> {
        let s = &self.inner;
        let (bucket, what) = match action {
            Action::Pay => (&s.payments_per_buyer, "Too many payment attempts"),
            Action::List => (&s.listings_per_seller, "Too many tickets listed"),
            Action::Edit => (&s.edits_per_seller, "Too many changes to your tickets"),
            Action::Order => (&s.orders_per_buyer, "Too many orders placed"),
            Action::Cancel => (&s.cancels_per_buyer, "Too many orders cancelled"),
            Action::Join => (&s.joins_per_buyer, "Too many waiting lists joined"),
        };
        self.take(bucket, &who, what)
    }

    fn take<K: Clone + Hash + Eq>(
        &self,
        bucket: &Bucket<K>,
        key: &K,
        what: &'static str,
    ) -> Result<(), Limited> {
        if !self.inner.settings.enabled {
            return Ok(());
        }
        self.sweep_now_and_then();
        bucket.check_key(key).map_err(|not_until| Limited {
            what,
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }

    /// Forgets, once a minute at most, every key whose bucket is full again or whose failures
    /// have lapsed: they would not limit anyone.
    fn sweep_now_and_then(&self) {
        let Ok(mut last) = self.inner.last_sweep.try_lock() else {
            return;
        };
        if last.elapsed() < SWEEP_EVERY {
            return;
        }
        *last = Instant::now();
        let s = &self.inner;
        s.auth_per_address.retain_recent();
        for bucket in [
            &s.payments_per_buyer,
            &s.listings_per_seller,
            &s.edits_per_seller,
            &s.orders_per_buyer,
            &s.cancels_per_buyer,
            &s.joins_per_buyer,
        ] {
            bucket.retain_recent();
        }
        s.failures_per_account_and_address.sweep();
        s.failures_per_account.sweep();
    }

    /// How many keys the limits hold now, for tests of their bounds.
    pub fn keys_held(&self) -> usize {
        let s = &self.inner;
        s.auth_per_address.len()
            + s.payments_per_buyer.len()
            + s.listings_per_seller.len()
            + s.edits_per_seller.len()
            + s.orders_per_buyer.len()
            + s.cancels_per_buyer.len()
            + s.joins_per_buyer.len()
            + s.failures_per_account_and_address.len()
            + s.failures_per_account.len()
    }
}

/// Failures per key within a fixed window: only failures count, so an owner's successful
/// sign-ins never use up their own allowance.
struct Failures<K> {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq> Failures<K> {
    fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` must wait, if it has failed too often in its window.
    fn blocked<Q>(&self, key: &Q) -> Option<Duration>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let &(since, failed) = counts.get(key)?;
        let left = self.window.checked_sub(since.elapsed())?;
        (failed >= self.limit).then_some(left)
    }

    fn record(&self, key: K) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let entry = counts.entry(key).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }

    fn sweep(&self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.retain(|_, (since, _)| since.elapsed() < self.window);
    }

    fn len(&self) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// The client's address as the limits key it: the socket's peer, or, when the peer is a trusted
/// proxy, the last address in `X-Forwarded-For` that is not one; an IPv6 address as its /64.
/// `None` when unknown (no socket, as in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    pub fn of(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> Self {
        let Some(peer) = peer else {
            return Self(None);
        };
        let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
        let client = if is_trusted(&peer) {
            forwarded_for
                .into_iter()
                .flat_map(|header| header.rsplit(','))
                .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
                .find(|hop| !is_trusted(hop))
                .unwrap_or(peer)
        } else {
            peer
        };
        Self(Some(subscriber_of(client)))
    }
}

/// An IPv4 address as it is; an IPv6 one as its /64 (an IPv4-mapped one as the IPv4 address).
fn subscriber_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let segments = v6.segments();
                IpAddr::V6(Ipv6Addr::new(
                    segments[0],
                    segments[1],
                    segments[2],
                    segments[3],
                    0,
                    0,
                    0,
                    0,
                ))
            }
        },
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

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    fn email(text: &str) -> Email {
        Email::parse(Some(&serde_json::Value::String(text.to_owned()))).unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxies = [net("10.0.0.0/8")];
        let claimed = Some("6.6.6.6, 203.0.113.7");
        assert_eq!(
            ClientAddress::of(Some(ip("198.51.100.2")), claimed, &proxies).0,
            Some(ip("198.51.100.2"))
        );
        assert_eq!(
            ClientAddress::of(Some(ip("10.1.2.3")), claimed, &proxies).0,
            Some(ip("203.0.113.7"))
        );
        // The ingress forwarded for another proxy of ours: the client is the hop before it.
        assert_eq!(
            ClientAddress::of(
                Some(ip("10.1.2.3")),
                Some("203.0.113.7, 10.9.9.9"),
                &proxies
            )
            .0,
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            ClientAddress::of(Some(ip("10.1.2.3")), None, &proxies).0,
            Some(ip("10.1.2.3"))
        );
    }

    #[test]
    fn ipv6_clients_are_told_apart_by_their_64_block() {
        let a = ClientAddress::of(Some(ip("2001:db8:1:2::1")), None, &[]);
        let b = ClientAddress::of(Some(ip("2001:db8:1:2:ffff::9")), None, &[]);
        let c = ClientAddress::of(Some(ip("2001:db8:1:3::1")), None, &[]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.0, Some(ip("2001:db8:1:2::")));
    }

    #[test]
    fn failures_from_one_address_do_not_lock_the_account_out_of_another() {
        let limits = Limits::new(LimitSettings::default());
        let (attacker, owner) = (
            ClientAddress(Some(ip("203.0.113.66"))),
            ClientAddress(Some(ip("198.51.100.7"))),
        );
        let ann = email("Ann@Example.com");
        for _ in 0..5 {
            limits.sign_in_allowed(&ann, attacker, false).unwrap();
            limits.sign_in_failed(&ann, attacker);
        }
        assert!(limits.sign_in_allowed(&ann, attacker, false).is_err());
        assert!(limits.sign_in_allowed(&ann, owner, false).is_ok());
    }

    #[test]
    fn failures_from_many_addresses_stop_the_account_except_where_it_is_signed_in() {
        let limits = Limits::new(LimitSettings::default());
        let ann = email("ann@example.com");
        for i in 0..50 {
            let from = ClientAddress(Some(IpAddr::from([203, 0, 113, i])));
            limits.sign_in_failed(&ann, from);
        }
        let owner = ClientAddress(Some(ip("198.51.100.7")));
        assert!(limits.sign_in_allowed(&ann, owner, false).is_err());
        assert!(limits.sign_in_allowed(&ann, owner, true).is_ok());
    }

    #[test]
    fn successful_sign_ins_are_never_counted() {
        let limits = Limits::new(LimitSettings::default());
        let ann = email("ann@example.com");
        let owner = ClientAddress(Some(ip("198.51.100.7")));
        for _ in 0..20 {
            limits.sign_in_allowed(&ann, owner, false).unwrap();
        }
    }

    #[test]
    fn the_sixty_first_order_of_one_buyer_within_an_hour_waits() {
        let limits = Limits::new(LimitSettings::default());
        let buyer = UserId::new();
        for _ in 0..60 {
            limits.action(buyer, Action::Order).unwrap();
        }
        assert!(limits.action(buyer, Action::Order).is_err());
        assert!(limits.action(UserId::new(), Action::Order).is_ok());
    }

    #[test]
    fn switched_off_nothing_is_limited() {
        let limits = Limits::new(LimitSettings {
            enabled: false,
            ..LimitSettings::default()
        });
        let ann = email("ann@example.com");
        for _ in 0..100 {
            limits
                .auth_attempt(ClientAddress(Some(ip("192.0.2.1"))))
                .unwrap();
            limits.sign_in_failed(&ann, ClientAddress(None));
            limits
                .sign_in_allowed(&ann, ClientAddress(None), false)
                .unwrap();
        }
    }
}
