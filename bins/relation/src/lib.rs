//! The relation worker: follows acknowledged once in the RELATIONS stream, follow/follower/
//! friend lists and counts from hot state in Redis, and the batch consumer persisting them.

pub mod error;
mod handlers;
pub mod hot;
pub mod persist;
mod rebuild;
mod store;
mod verify;

use std::sync::Arc;

use async_nats::jetstream;
use contract::relation::{
    FollowEvent, ListRelations, PERSIST_CONSUMER, RelationStats, STREAM, SetFollow,
};
use hotstate::{Rebuilds, Tail, TailSpec};
use mesh::{
    Caller, Router, ServiceSpec, Worker,
    batch::Persister,
    persister::{Health, PersistFiles},
};
use settings::Settings;
use sqlx::MySqlPool;

use crate::{error::RelationError, hot::Hot, persist::Persist, rebuild::SideKey};

pub const STREAM_FILE: &str = include_str!("../../../nats/streams/RELATIONS.json");
pub const CONSUMER_FILE: &str = include_str!("../../../nats/consumers/relation-persist.json");

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
    pub hot_settings: settings::HotSettings,
    /// The RELATIONS stream's unpersisted events, indexed by the sides they touch.
    pub tail: Tail<FollowEvent, SideKey>,
    pub rebuilds: Rebuilds<SideKey, RelationError>,
    pub js: jetstream::Context,
    pub caller: Caller,
    /// The sides recent persisted batches touched: the drift verifier's sample.
    pub recent: Arc<hotstate::Recent<SideKey>>,
}

pub fn router() -> Router<State> {
    Router::new()
        .route::<SetFollow, _, _, _>(handlers::set::handle)
        .route_list::<ListRelations, _, _, _>(handlers::list::handle)
        .route::<RelationStats, _, _, _>(handlers::stats::handle)
}

pub fn spec(settings: &Settings) -> ServiceSpec {
    ServiceSpec {
        name: contract::relation::SERVICE,
        version: env!("CARGO_PKG_VERSION"),
        description: "follows, followers, friends and their counts",
        concurrency: settings.worker.concurrency,
    }
}

pub fn persister(db: MySqlPool, js: jetstream::Context, settings: &Settings) -> Persister {
    PERSIST.start(js, settings, Persist { db })
}

/// [`persister`] that also repairs the hot state after each batch and feeds the verifier's
/// sample (see `hotstate::repair`): what a running worker uses.
pub fn repairing_persister(state: &Arc<State>, settings: &Settings) -> Persister {
    let persist = Persist {
        db: state.db.clone(),
    };
    let reapply = Arc::new(verify::Reapply(state.hot.clone()));
    let repairing = hotstate::Repairing::new(persist, reapply, Arc::clone(&state.recent));
    // Supervised like the plain one: restarted, stream and consumer re-created if missing.
    PERSIST.start(state.js.clone(), settings, repairing)
}

pub struct RelationWorker {
    worker: Worker,
    persist: Persister,
    state: Arc<State>,
    _verifier: hotstate::Verifier,
    _warm: Option<mesh::notices::Listener>,
}

pub async fn start(
    settings: &Settings,
    nats: async_nats::Client,
) -> anyhow::Result<RelationWorker> {
    let db = settings::connect_mysql(&settings.mysql).await?;
    let redis = settings::connect_redis(&settings.redis).await?;
    let js = jetstream::new(nats.clone());
    mesh::streams::ensure_persisted(&js, STREAM_FILE, CONSUMER_FILE, settings).await?;
    let tail_spec = TailSpec {
        stream: STREAM,
        persist_consumer: PERSIST_CONSUMER,
        keys: rebuild::sides_of,
    };
    let state = Arc::new(State {
        db,
        hot: Hot::new(redis, &settings.redis.prefix),
        hot_settings: settings.hot.clone(),
        tail: Tail::start(js.clone(), tail_spec, &settings.hot).await?,
        rebuilds: Rebuilds::new("relation", &settings.hot),
        js: js.clone(),
        caller: Caller::from_settings(nats.clone(), settings),
        recent: Arc::new(hotstate::Recent::new(&settings.hot)),
    });
    let persist = repairing_persister(&state, settings);
    let truth = Arc::new(verify::Truth(Arc::clone(&state)));
    let verifier = hotstate::Verifier::start(truth, Arc::clone(&state.recent), &settings.hot);
    let warm = if settings.hot.load_new_users {
        let state = Arc::clone(&state);
        let load = move |user_id| rebuild::new_user(Arc::clone(&state), user_id);
        Some(mesh::notices::on_new_user(&nats, "relation-warm", load).await?)
    } else {
        None
    };
    let worker = mesh::start(nats, spec(settings), router(), Arc::clone(&state)).await?;
    Ok(RelationWorker {
        worker,
        persist,
        state,
        _verifier: verifier,
        _warm: warm,
    })
}

impl RelationWorker {
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// Whether the persistence consumer is consuming (for `/readyz`).
    pub fn persist_health(&self) -> Health {
        self.persist.health()
    }

    pub async fn shutdown(self) {
        self.worker.shutdown().await;
        self.persist.stop().await;
    }

    /// Puts `next` in place of the running persistence consumer and hands that one back
    /// (tests stop or kill it to hold persistence back or check redelivery).
    pub fn replace_persister(&mut self, next: Persister) -> Persister {
        std::mem::replace(&mut self.persist, next)
    }
}
