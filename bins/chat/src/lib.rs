//! The chat worker: direct messages in a [`store::ChatStore`] — ScyllaDB when configured,
//! MySQL otherwise — and the latest message per conversation for friend lists.

mod announce;
pub mod deferred;
pub mod error;
mod handlers;
pub mod newest;
pub mod store;

use std::{sync::Arc, time::Duration};

use async_nats::jetstream;
use contract::chat::{History, Latest, PERSIST_CONSUMER, STREAM, SendMessage};
use ids::{NodeLease, Snowflake};
use liveconfig::{Live, LiveFilter};
use mesh::{
    Caller, Router, ServiceSpec, Worker,
    batch::Persister,
    persister::{Health, PersistFiles},
};
use settings::{ChatStoreKind, Settings};

use crate::{
    deferred::{Deferring, StoreDeferred},
    newest::Newest,
    store::{ChatStore, MysqlStore, ScyllaStore},
};

pub const STREAM_FILE: &str = include_str!("../../../nats/streams/MESSAGES.json");
pub const CONSUMER_FILE: &str = include_str!("../../../nats/consumers/chat-persist.json");

/// The consumer that stores deferred messages: its stream, name and definition files.
pub const PERSIST: PersistFiles = PersistFiles {
    stream: STREAM,
    consumer: PERSIST_CONSUMER,
    stream_json: STREAM_FILE,
    consumer_json: CONSUMER_FILE,
};

pub struct State {
    pub store: Arc<dyn ChatStore>,
    pub newest: Newest,
    pub ids: Snowflake,
    /// The word list in use now (the config centre's `filter.words` over the base list).
    pub filter: LiveFilter,
    pub caller: Caller,
    /// For the notices of stored messages (`contract::chat::notice_subject`).
    pub nats: async_nats::Client,
    /// For the messages the store cannot take now (`deferred`).
    pub js: jetstream::Context,
    pub deferring: Deferring,
    pub page: u32,
}

pub fn router() -> Router<State> {
    Router::new()
        .route::<SendMessage, _, _, _>(handlers::send::handle)
        .route_list::<History, _, _, _>(handlers::history::handle)
        .route_list::<Latest, _, _, _>(handlers::latest::handle)
}

pub fn spec(settings: &Settings) -> ServiceSpec {
    ServiceSpec {
        name: contract::chat::SERVICE,
        version: env!("CARGO_PKG_VERSION"),
        description: "direct messages and conversation history",
        concurrency: settings.worker.concurrency,
    }
}

/// The store the settings choose, ready to use (schema created when missing).
pub async fn connect_store(settings: &Settings) -> anyhow::Result<Arc<dyn ChatStore>> {
    Ok(match settings.chat.store {
        ChatStoreKind::Mysql => Arc::new(MysqlStore {
            db: settings::connect_mysql(&settings.mysql).await?,
        }),
        ChatStoreKind::Scylla => Arc::new(ScyllaStore::connect(&settings.chat.scylla).await?),
    })
}

pub struct ChatWorker {
    worker: Worker,
    persist: Persister,
    state: Arc<State>,
}

pub async fn start(settings: &Settings, nats: async_nats::Client) -> anyhow::Result<ChatWorker> {
    let redis = settings::connect_redis(&settings.redis).await?;
    let js = jetstream::new(nats.clone());
    mesh::streams::ensure_persisted(&js, STREAM_FILE, CONSUMER_FILE, settings).await?;
    let lease_ttl = Duration::from_secs(settings.user.node_lease_secs);
    let newest = Newest::new(
        redis.clone(),
        &settings.redis.prefix,
        settings.chat.newest_ttl_secs,
    );
    let state = Arc::new(State {
        store: connect_store(settings).await?,
        newest,
        ids: Snowflake::new(NodeLease::acquire(redis, &settings.redis.prefix, lease_ttl).await?),
        filter: Live::words(settings, &nats)?,
        caller: Caller::from_settings(nats.clone(), settings),
        nats: nats.clone(),
        js: js.clone(),
        deferring: Deferring::new(&settings.chat),
        page: settings.chat.page,
    });
    // Supervised like the other persisters: restarted, stream and consumer re-created.
    let persist = PERSIST.start(js, settings, StoreDeferred(Arc::clone(&state)));
    let worker = mesh::start(nats, spec(settings), router(), Arc::clone(&state)).await?;
    Ok(ChatWorker {
        worker,
        persist,
        state,
    })
}

impl ChatWorker {
    /// Whether the consumer of deferred messages is consuming (for `/readyz`).
    pub fn persist_health(&self) -> Health {
        self.persist.health()
    }

    pub async fn shutdown(self) {
        self.worker.shutdown().await;
        self.persist.stop().await;
        self.state.ids.lease().release().await;
    }
}

/// Milliseconds since the epoch, by this machine's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
