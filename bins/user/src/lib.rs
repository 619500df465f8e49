//! The user worker: accounts (register, login), batch profiles, and session tokens.
//! `router()` is the explicit table of what it serves.

pub mod error;
mod handlers;
mod password;
mod profiles;
mod store;
pub mod tokens;
mod validate;

use std::{sync::Arc, time::Duration};

use contract::user::{GetUsers, GetVerifyingKeys, Login, Register};
use mesh::{Limit, Router, ServiceSpec, Worker};
use settings::{Settings, UserSettings};
use sqlx::MySqlPool;

use ids::{NodeLease, Snowflake};

use crate::tokens::TokenIssuer;

pub struct State {
    pub db: MySqlPool,
    pub ids: Snowflake,
    pub tokens: TokenIssuer,
    /// Profiles in memory and in Redis before MySQL (never edited, so never stale).
    pub profiles: profiles::Profiles,
    /// For the notice that an account was created (`contract::user::REGISTERED_SUBJECT`).
    pub nats: async_nats::Client,
}

/// Register and login hash a password (a core and 19 MiB each, also for unknown users), so
/// they share a bulkhead of `user.hash_concurrency`: a login flood queues there, apart from
/// the profile and key lookups every page needs.
pub fn router(user: &UserSettings) -> Router<State> {
    let hashing = Limit::new("password hashing", user.hash_concurrency, user.hash_queue);
    Router::new()
        .route::<Register, _, _, _>(handlers::register::handle)
        .limited(&hashing)
        .route::<Login, _, _, _>(handlers::login::handle)
        .limited(&hashing)
        .route::<GetUsers, _, _, _>(handlers::get::handle)
        .route::<GetVerifyingKeys, _, _, _>(handlers::keys::handle)
}

pub fn spec(settings: &Settings) -> ServiceSpec {
    ServiceSpec {
        name: contract::user::SERVICE,
        version: env!("CARGO_PKG_VERSION"),
        description: "accounts, profiles and session tokens",
        concurrency: settings.worker.concurrency,
    }
}

/// A running user worker; [`UserWorker::shutdown`] finishes in-flight requests, then gives
/// the snowflake node id back.
pub struct UserWorker {
    worker: Worker,
    state: Arc<State>,
}

/// Connects MySQL (migrating) and Redis, leases a node id, loads the signing key and serves
/// on `nats` (give it a connection of its own: shutdown drains it).
pub async fn start(settings: &Settings, nats: async_nats::Client) -> anyhow::Result<UserWorker> {
    let db = settings::connect_mysql(&settings.mysql).await?;
    let redis = settings::connect_redis(&settings.redis).await?;
    let ttl = Duration::from_secs(settings.user.node_lease_secs);
    let shared = profiles::SharedProfiles::new(
        redis.clone(),
        &settings.redis.prefix,
        settings.cache.profile_redis_ttl_secs,
    );
    let lease = NodeLease::acquire(redis, &settings.redis.prefix, ttl).await?;
    let tokens = TokenIssuer::load(&settings.auth, &settings.data_dir)?;
    let state = Arc::new(State {
        db,
        ids: Snowflake::new(lease),
        tokens,
        profiles: profiles::Profiles::new(settings.cache.profiles, shared, settings.user.clone()),
        nats: nats.clone(),
    });
    let router = router(&settings.user);
    let worker = mesh::start(nats, spec(settings), router, Arc::clone(&state)).await?;
    Ok(UserWorker { worker, state })
}

impl UserWorker {
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    pub async fn shutdown(self) {
        self.worker.shutdown().await;
        self.state.ids.lease().release().await;
    }

    pub async fn run_until(self, shutdown: mesh::Shutdown) {
        shutdown.wait().await;
        self.shutdown().await;
    }
}
