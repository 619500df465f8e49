//! The favorite worker: likes (acknowledged once in the FAVORITES stream), hot counts and
//! lists in Redis, and the batch consumer that persists the stream to MySQL.

pub mod error;
mod handlers;
pub mod hot;
pub mod persist;
mod rebuild;
pub mod state;
mod store;
mod verify;

use std::sync::Arc;

use async_nats::jetstream;
use contract::favorite::{
    ListFavorites, PERSIST_CONSUMER, PageStats, STREAM, SetFavorite, UserStats, VideoStats,
};
use mesh::{
    Caller, Router, ServiceSpec, Worker,
    batch::Persister,
    persister::{Health, PersistFiles},
};
use settings::Settings;
use sqlx::MySqlPool;

use crate::{
    hot::{FavKey, Hot},
    persist::Persist,
};

/// The stream and consumer definitions, from `nats/`.
pub const STREAM_FILE: &str = include_str!("../../../nats/streams/FAVORITES.json");
pub const CONSUMER_FILE: &str = include_str!("../../../nats/consumers/favorite-persist.json");

/// The persistence consumer's stream, name and definition files.
pub const PERSIST: PersistFiles = PersistFiles {
    stream: STREAM,
    consumer: PERSIST_CONSUMER,
    stream_json: STREAM_FILE,
    consumer_json: CONSUMER_FILE,
};

pub struct State {
    pub db: MySqlPool,
    pub hot: Hot,
    pub js: jetstream::Context,
    pub caller: Caller,
    /// This instance's copy of the unpersisted FAVORITES events, for rebuilds.
    pub tail: hotstate::Tail<contract::favorite::FavoriteEvent, FavKey>,
    pub rebuilds: hotstate::Rebuilds<FavKey, error::FavoriteError>,
    pub hot_settings: settings::HotSettings,
    /// The groups recent persisted batches touched: the drift verifier's sample.
    pub recent: Arc<hotstate::Recent<FavKey>>,
}

pub fn router() -> Router<State> {
    Router::new()
        .route::<SetFavorite, _, _, _>(handlers::set::handle)
        .route_list::<ListFavorites, _, _, _>(handlers::list::handle)
        .route::<VideoStats, _, _, _>(handlers::video_stats::handle)
        .route::<UserStats, _, _, _>(handlers::user_stats::handle)
        .route::<PageStats, _, _, _>(handlers::page_stats::handle)
}

pub fn spec(settings: &Settings) -> ServiceSpec {
    ServiceSpec {
        name: contract::favorite::SERVICE,
        version: env!("CARGO_PKG_VERSION"),
        description: "likes, like counts and liked lists",
        concurrency: settings.worker.concurrency,
    }
}

/// Creates or updates the FAVORITES stream, its consumer and the dead-letter stream.
pub async fn ensure_streams(js: &jetstream::Context, settings: &Settings) -> anyhow::Result<()> {
    mesh::streams::ensure_persisted(js, STREAM_FILE, CONSUMER_FILE, settings).await?;
    Ok(())
}

pub struct FavoriteWorker {
    worker: Worker,
    persist: Persister,
    state: Arc<State>,
    _verifier: hotstate::Verifier,
    _warm: Option<mesh::notices::Listener>,
}

/// The persistence consumer of FAVORITES with `settings`' batch boundaries.
pub fn persister(db: MySqlPool, js: jetstream::Context, settings: &Settings) -> Persister {
    PERSIST.start(js, settings, Persist { db })
}

/// [`persister`] that also repairs the hot state after each batch and feeds the verifier's
/// sample (see `hotstate::repair`): what a running worker uses.
pub fn repairing_persister(state: &Arc<State>, settings: &Settings) -> Persister {
    let (db, hot, recent) = (
        state.db.clone(),
        state.hot.clone(),
        Arc::clone(&state.recent),
    );
    repairing_persister_on(db, hot, recent, state.js.clone(), settings)
}

/// [`repairing_persister`] from its parts (the persist bench measures it without a worker).
pub fn repairing_persister_on(
    db: MySqlPool,
    hot: Hot,
    recent: Arc<hotstate::Recent<FavKey>>,
    js: jetstream::Context,
    settings: &Settings,
) -> Persister {
    let reapply = Arc::new(verify::Reapply(hot));
    let repairing = hotstate::Repairing::new(Persist { db }, reapply, recent);
    // Supervised like the plain one: restarted, stream and consumer re-created if missing.
    PERSIST.start(js, settings, repairing)
}

pub async fn start(
    settings: &Settings,
    nats: async_nats::Client,
) -> anyhow::Result<FavoriteWorker> {
    let db = settings::connect_mysql(&settings.mysql).await?;
    let redis = settings::connect_redis(&settings.redis).await?;
    let js = jetstream::new(nats.clone());
    ensure_streams(&js, settings).await?;
    let tail_spec = hotstate::TailSpec {
        stream: STREAM,
        persist_consumer: PERSIST_CONSUMER,
        keys: hot::keys_of,
    };
    let state = Arc::new(State {
        db,
        hot: Hot::new(redis, &settings.redis.prefix),
        js: js.clone(),
        caller: Caller::from_settings(nats.clone(), settings),
        tail: hotstate::Tail::start(js.clone(), tail_spec, &settings.hot).await?,
        rebuilds: hotstate::Rebuilds::new("favorite", &settings.hot),
        hot_settings: settings.hot.clone(),
        recent: Arc::new(hotstate::Recent::new(&settings.hot)),
    });
    let persist = repairing_persister(&state, settings);
    let truth = Arc::new(verify::Truth(Arc::clone(&state)));
    let verifier = hotstate::Verifier::start(truth, Arc::clone(&state.recent), &settings.hot);
    let warm = if settings.hot.load_new_users {
        let state = Arc::clone(&state);
        let load = move |user_id| rebuild::new_user(Arc::clone(&state), user_id);
        Some(mesh::notices::on_new_user(&nats, "favorite-warm", load).await?)
    } else {
        None
    };
    let worker = mesh::start(nats, spec(settings), router(), Arc::clone(&state)).await?;
    Ok(FavoriteWorker {
        worker,
        persist,
        state,
        _verifier: verifier,
        _warm: warm,
    })
}

impl FavoriteWorker {
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    pub async fn shutdown(self) {
        self.worker.shutdown().await;
        self.persist.stop().await;
    }

    /// Whether the persistence consumer is consuming (for `/readyz`).
    pub fn persist_health(&self) -> Health {
        self.persist.health()
    }

    /// Puts `next` in place of the running persistence consumer and hands that one back
    /// (tests stop or kill it to check redelivery).
    pub fn replace_persister(&mut self, next: Persister) -> Persister {
        std::mem::replace(&mut self.persist, next)
    }
}
