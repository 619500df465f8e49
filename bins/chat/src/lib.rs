//! The chat worker: direct messages in a [`store::ChatStore`] — ScyllaDB when configured,
//! MySQL otherwise — and the latest message per conversation for friend lists.

pub mod error;
mod handlers;
pub mod newest;
pub mod store;

use std::{sync::Arc, time::Duration};

use contract::chat::{History, Latest, SendMessage};
use ids::{NodeLease, Snowflake};
use liveconfig::{Live, LiveFilter};
use mesh::{Caller, Router, ServiceSpec, Worker};
use settings::{ChatStoreKind, Settings};

use crate::{
    newest::Newest,
    store::{ChatStore, MysqlStore, ScyllaStore},
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
    state: Arc<State>,
}

pub async fn start(settings: &Settings, nats: async_nats::Client) -> anyhow::Result<ChatWorker> {
    let redis = settings::connect_redis(&settings.redis).await?;
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
        page: settings.chat.page,
    });
    let worker = mesh::start(nats, spec(settings), router(), Arc::clone(&state)).await?;
    Ok(ChatWorker { worker, state })
}

impl ChatWorker {
    pub async fn shutdown(self) {
        self.worker.shutdown().await;
        self.state.ids.lease().release().await;
    }
}
