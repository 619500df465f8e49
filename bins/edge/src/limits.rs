//! Abuse limits (token buckets, `edge.limits`): requests per client IP on every route,
//! requests per signed-in user, writes per user and login attempts per username. Exceeded
//! → 429 with `Retry-After`. Keys of idle clients are forgotten periodically, so the state
//! stays as large as the set of recently active clients, not of every client ever seen.

use std::{
    hash::Hash,
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::{Arc, Weak},
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use settings::{EdgeSettings, RateLimit};

use crate::{
    client_ip::{ClientIp, ClientIpPolicy},
    error::ApiError,
};

/// How often keys whose bucket has refilled (indistinguishable from new ones) are dropped.
const FORGET_EVERY: Duration = Duration::from_secs(30);
/// Login keys are what the client typed; a longer name shares the key of its first chars.
const MAX_USERNAME_KEY: usize = 64;

pub struct Limits {
    per_ip: Keyed<IpAddr>,
    per_user: Keyed<i64>,
    writes: Keyed<i64>,
    logins: Keyed<String>,
    client_ip: ClientIpPolicy,
}

impl Limits {
    /// Also starts the clean-up of idle keys, which ends when the limits are dropped.
    pub fn new(settings: &EdgeSettings) -> Arc<Self> {
        let limits = &settings.limits;
        let this = Arc::new(Self {
            per_ip: Keyed::new("per client IP", &limits.per_ip),
            per_user: Keyed::new("per user", &limits.per_user),
            writes: Keyed::new("writes per user", &limits.writes_per_user),
            logins: Keyed::new("logins per username", &limits.logins_per_username),
            client_ip: ClientIpPolicy::new(&settings.client_ip),
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(forget_idle_keys(Arc::downgrade(&this)));
        }
        this
    }

    /// One request of the signed-in `user_id`.
    pub fn user(&self, user_id: i64) -> Result<(), ApiError> {
        self.per_user.check(&user_id)
    }

    /// One like, comment, follow, message or upload of `user_id`.
    pub fn write(&self, user_id: i64) -> Result<(), ApiError> {
        self.writes.check(&user_id)
    }

    /// One login attempt as `username`, whether or not the password is right.
    pub fn login(&self, username: &str) -> Result<(), ApiError> {
        self.logins
            .check(&username.chars().take(MAX_USERNAME_KEY).collect())
    }

    fn forget_idle(&self) {
        self.per_ip.forget_idle();
        self.per_user.forget_idle();
        self.writes.forget_idle();
        self.logins.forget_idle();
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
        if let Err(limited) = limits.per_ip.check(&ip) {
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

/// One token bucket per key, with the name of the limit for the 429's message.
struct Keyed<K: Hash + Eq + Clone> {
    name: &'static str,
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
