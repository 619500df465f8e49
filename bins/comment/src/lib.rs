//! The comment worker: comments acknowledged once in the COMMENTS stream, lists and counts
//! from hot state in Redis, and the batch consumer that persists the stream to MySQL.

mod dedupe;
pub mod error;
mod handlers;
pub mod hot;
pub mod persist;
mod rebuild;
mod store;
mod verify;
mod write;

use std::{sync::Arc, time::Duration};

use async_nats::jetstream;
use contract::comment::{
    CommentCounts, CommentEvent, DeleteComment, ListComments, PERSIST_CONSUMER, PostComment, STREAM,
};
use hotstate::{Rebuilds, Tail, TailSpec};
use ids::{NodeLease, Snowflake};
use liveconfig::{Live, LiveFilter};
use mesh::{
    Caller, Router, ServiceSpec, Worker,
    batch::Persister,
    persister::{Health, PersistFiles},
};
use settings::Settings;
use sqlx::MySqlPool;

use crate::{error::CommentError, hot::Hot, persist::Persist};

pub const STREAM_FILE: &str = include_str!("../../../nats/streams/COMMENTS.json");
pub const CONSUMER_FILE: &str = include_str!("../../../nats/consumers/comment-persist.json");

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
    /// The COMMENTS stream's unpersisted events, indexed by video.
    pub tail: Tail<CommentEvent, i64>,
    pub rebuilds: Rebuilds<i64, CommentError>,
    pub js: jetstream::Context,
    pub caller: Caller,
    pub ids: Snowflake,
    /// The word list in use now (the config centre's `filter.words` over the base list).
    pub filter: LiveFilter,
    /// The videos recent persisted batches touched: the drift verifier's sample.
    pub recent: Arc<hotstate::Recent<i64>>,
}

pub fn router() -> Router<State> {
    Router::new()
        .route::<PostComment, _, _, _>(handlers::post::handle)
        .route::<DeleteComment, _, _, _>(handlers::delete::handle)
        .route_list::<ListComments, _, _, _>(handlers::list::handle)
        .route::<CommentCounts, _, _, _>(handlers::counts::handle)
}

pub fn spec(settings: &Settings) -> ServiceSpec {
    ServiceSpec {
        name: contract::comment::SERVICE,
        version: env!("CARGO_PKG_VERSION"),
        description: "comments, comment lists and counts",
        concurrency: settings.worker.concurrency,
    }
}

/// The persistence consumer of COMMENTS with `settings`' batch boundaries.
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

pub struct CommentWorker {
    worker: Worker,
    persist: Persister,
    state: Arc<State>,
    _verifier: hotstate::Verifier,
}

pub async fn start(settings: &Settings, nats: async_nats::Client) -> anyhow::Result<CommentWorker> {
    let db = settings::connect_mysql(&settings.mysql).await?;
    let redis = settings::connect_redis(&settings.redis).await?;
    let js = jetstream::new(nats.clone());
    mesh::streams::ensure_persisted(&js, STREAM_FILE, CONSUMER_FILE, settings).await?;
    let lease_ttl = Duration::from_secs(settings.user.node_lease_secs);
    let lease = NodeLease::acquire(redis.clone(), &settings.redis.prefix, lease_ttl).await?;
    let tail_spec = TailSpec {
        stream: STREAM,
        persist_consumer: PERSIST_CONSUMER,
        keys: rebuild::video_of,
    };
    let state = Arc::new(State {
        db,
        hot: Hot::new(redis, &settings.redis.prefix),
        hot_settings: settings.hot.clone(),
        tail: Tail::start(js.clone(), tail_spec, &settings.hot).await?,
        rebuilds: Rebuilds::new("comment", &settings.hot),
        js: js.clone(),
        caller: Caller::from_settings(nats.clone(), settings),
        ids: Snowflake::new(lease),
        filter: Live::words(settings, &nats)?,
        recent: Arc::new(hotstate::Recent::new(&settings.hot)),
    });
    let persist = repairing_persister(&state, settings);
    let truth = Arc::new(verify::Truth(Arc::clone(&state)));
    let verifier = hotstate::Verifier::start(truth, Arc::clone(&state.recent), &settings.hot);
    let worker = mesh::start(nats, spec(settings), router(), Arc::clone(&state)).await?;
    Ok(CommentWorker {
        worker,
        persist,
        state,
        _verifier: verifier,
    })
}

impl CommentWorker {
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
        self.state.ids.lease().release().await;
    }
}
