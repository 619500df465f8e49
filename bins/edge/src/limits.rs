//! Abuse limits (token buckets, `edge.limits`): requests per client IP on every route,
//! requests per signed-in user, writes per user and login attempts per username. Exceeded
//! → 429 with `Retry-After`. Keys of idle clients are forgotten periodically, so the state
//! stays as large as the set of recently active clients, not of every client ever seen.
//! The config centre may change a limit at run time: that limit's buckets start afresh with
//! the new quota (swapped in atomically; the request path never takes a lock).

use std::{
    hash::Hash,
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::{Arc, Weak},
    time::Duration,
};

use arc_swap::ArcSwap;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use liveconfig::Live;
use settings::{EdgeLimits, EdgeSettings, RateLimit};
use tokio::sync::watch;

use crate::{
    client_ip::{ClientIp, ClientIpPolicy},
    error::ApiError,
};

/// How often keys whose bucket has refilled (indistinguishable from new ones) are dropped.
const FORGET_EVERY: Duration = Duration::from_secs(30);
/// Login keys are what the client typed; a longer name shares the key of its first chars.
const MAX_USERNAME_KEY: usize = 64;

pub struct Limits {
    per_ip: ArcSwap<Keyed<IpAddr>>,
    per_user: ArcSwap<Keyed<i64>>,
    writes: ArcSwap<Keyed<i64>>,
    logins: ArcSwap<Keyed<String>>,
    client_ip: ClientIpPolicy,
    /// Where the limits come from; the follower holds only a receiver, so it ends with us.
    live: Live,
}

const PER_IP: &str = "per client IP";
const PER_USER: &str = "per user";
const WRITES: &str = "writes per user";
const LOGINS: &str = "logins per username";

impl Limits {
    /// Also starts the clean-up of idle keys and the following of `live`'s limits, which end
    /// when the limits are dropped. `live` supplies the limits in use (`edge.limits.*` of the
    /// config centre over `settings`).
    pub fn new(settings: &EdgeSettings, live: &Live) -> Arc<Self> {
        let limits = &live.snapshot().limits;
        let this = Arc::new(Self {
            per_ip: ArcSwap::from_pointee(Keyed::new(PER_IP, &limits.per_ip)),
            per_user: ArcSwap::from_pointee(Keyed::new(PER_USER, &limits.per_user)),
            writes: ArcSwap::from_pointee(Keyed::new(WRITES, &limits.writes_per_user)),
            logins: ArcSwap::from_pointee(Keyed::new(LOGINS, &limits.logins_per_username)),
            client_ip: ClientIpPolicy::new(&settings.client_ip),
            live: live.clone(),
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(forget_idle_keys(Arc::downgrade(&this)));
            runtime.spawn(follow_live(Arc::downgrade(&this), live.subscribe()));
        }
        this
    }

    /// Swaps in a fresh bucket set for each limit that differs from `limits`.
    fn update(&self, limits: &EdgeLimits) {
        swap_if_changed(&self.per_ip, PER_IP, &limits.per_ip);
        swap_if_changed(&self.per_user, PER_USER, &limits.per_user);
        swap_if_changed(&self.writes, WRITES, &limits.writes_per_user);
        swap_if_changed(&self.logins, LOGINS, &limits.logins_per_username);
    }

    /// One request of the signed-in `user_id`.
    pub fn user(&self, user_id: i64) -> Result<(), ApiError> {
        self.per_user.load().check(&user_id)
    }

    /// One like, comment, follow, message or upload of `user_id`.
    pub fn write(&self, user_id: i64) -> Result<(), ApiError> {
        self.writes.load().check(&user_id)
    }

    /// One login attempt as `username`, whether or not the password is right.
    pub fn login(&self, username: &str) -> Result<(), ApiError> {
        self.logins
            .load()
            .check(&username.chars().take(MAX_USERNAME_KEY).collect())
    }

    fn forget_idle(&self) {
        self.per_ip.load().forget_idle();
        self.per_user.load().forget_idle();
        self.writes.load().forget_idle();
        self.logins.load().forget_idle();
    }
}

/// Middleware on every API route: works out the [`ClientIp`], stores it in the request for
/// handlers, and counts the request against it.
pub async fn per_ip(
    State(limits): State<Arc<Limits>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    // Without a peer (a router driven in-process) there is no client to count.
    if let Some(peer) = peer {
        let ip = limits.client_ip.client(peer, request.headers());
        request.extensions_mut().insert(ClientIp(ip));
        if let Err(limited) = limits.per_ip.load().check(&ip) {
            return limited.into_response();
        }
    }
    next.run(request).await
}

async fn forget_idle_keys(limits: Weak<Limits>) {
    let mut tick = tokio::time::interval(FORGET_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(limits) = limits.upgrade() else {
            return;
        };
        limits.forget_idle();
    }
}

/// Applies each change of the live limits until the limits are dropped.
async fn follow_live(limits: Weak<Limits>, mut changes: watch::Receiver<u64>) {
    while changes.changed().await.is_ok() {
        let Some(limits) = limits.upgrade() else {
            return;
        };
        limits.update(&limits.live.snapshot().limits);
    }
}

fn swap_if_changed<K: Hash + Eq + Clone>(
    keyed: &ArcSwap<Keyed<K>>,
    name: &'static str,
    limit: &RateLimit,
) {
    if keyed.load().limit != *limit {
        keyed.store(Arc::new(Keyed::new(name, limit)));
    }
}

/// One token bucket per key, with the name of the limit for the 429's message.
struct Keyed<K: Hash + Eq + Clone> {
    name: &'static str,
    limit: RateLimit,
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(name: &'static str, limit: &RateLimit) -> Self {
        // Validated above 0; a period of a day is as slow as any sane limit goes.
        let period = Duration::try_from_secs_f64(1.0 / limit.per_second)
            .unwrap_or(Duration::MAX)
            .clamp(Duration::from_nanos(1), Duration::from_secs(86_400));
        let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            name,
            limit: *limit,
            limiter: RateLimiter::keyed(quota),
        }
    }

    fn check(&self, key: &K) -> Result<(), ApiError> {
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            ApiError::too_many(self.name, wait)
        })
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_its_burst_through_then_answers_429_with_a_whole_second_wait() {
        let limit = RateLimit {
            per_second: 0.5,
            burst: 2,
        };
        let keyed = Keyed::<i64>::new("test", &limit);
        assert!(keyed.check(&1).is_ok());
        assert!(keyed.check(&1).is_ok());
        let refused = keyed.check(&1).expect_err("the third is over the burst");
        assert_eq!(refused.status.as_u16(), 429);
        assert_eq!(refused.retry_after, Some(2));
        assert!(keyed.check(&2).is_ok(), "other keys have their own bucket");
    }
}
