//! The video worker: publishing (fast publish, covers), the feed, publish lists and batch
//! lookups. `router()` is the explicit table of what it serves.

pub mod cover;
pub mod error;
mod follow;
mod handlers;
pub mod index;
pub mod store;

use std::{sync::Arc, time::Duration};

use contract::video::{Feed, GetVideos, ListByAuthor, Publish, WorkCounts};
use ids::{NodeLease, Snowflake};
use liveconfig::{Live, LiveFilter};
use mesh::{Limit, Router, ServiceSpec, Worker};
use objects::ObjectStore;
use settings::{Settings, VideoSettings};
use sqlx::MySqlPool;

pub struct State {
    pub db: MySqlPool,
    pub ids: Snowflake,
    pub store: Arc<dyn ObjectStore>,
    /// The word list in use now (the config centre's `filter.words` over the base list).
    pub filter: LiveFilter,
    pub ffmpeg: cover::Ffmpeg,
    /// The newest videos, kept current across instances (`video.feed_index_videos`).
    pub index: Arc<index::FeedIndex>,
    /// Where this instance announces the videos it stores.
    pub nats: async_nats::Client,
}

/// A publish of a new file copies it to a temporary file and runs ffprobe and ffmpeg on it,
/// so publishes have their own bulkhead (`video.publish_concurrency`): a publish flood
/// queues there, apart from the feed, and at most that many temporary copies exist at once.
pub fn router(settings: &VideoSettings) -> Router<State> {
    let publishing = Limit::new(
        "publish",
        settings.publish_concurrency,
        settings.publish_queue,
    );
    Router::new()
        .route::<Publish, _, _, _>(handlers::publish::handle)
        .limited(&publishing)
        .route_list::<Feed, _, _, _>(handlers::feed::handle)
        .route_list::<ListByAuthor, _, _, _>(handlers::by_author::handle)
        .route::<GetVideos, _, _, _>(handlers::get::handle)
        .route::<WorkCounts, _, _, _>(handlers::work_counts::handle)
}

pub fn spec(settings: &Settings) -> ServiceSpec {
    ServiceSpec {
        name: contract::video::SERVICE,
        version: env!("CARGO_PKG_VERSION"),
        description: "publishing, covers, the feed and publish lists",
        concurrency: settings.worker.concurrency,
    }
}

pub struct VideoWorker {
    worker: Worker,
    state: Arc<State>,
    follower: follow::Follower,
}

/// Connects MySQL (migrating), Redis (for the id lease) and the object store, then serves on
/// `nats` (give it a connection of its own: shutdown drains it).
pub async fn start(settings: &Settings, nats: async_nats::Client) -> anyhow::Result<VideoWorker> {
    let db = settings::connect_mysql(&settings.mysql).await?;
    let redis = settings::connect_redis(&settings.redis).await?;
    let ttl = Duration::from_secs(settings.user.node_lease_secs);
    let lease = NodeLease::acquire(redis, &settings.redis.prefix, ttl).await?;
    let store = objects::connect(&settings.media, &nats, settings.nats.replicas).await?;
    let filter = Live::words(settings, &nats)?;
    let resync = Duration::from_millis(settings.video.feed_index_resync_ms);
    let (index, follower) =
        follow::start(&nats, db.clone(), settings.video.feed_index_videos, resync).await?;
    let state = Arc::new(State {
        db,
        ids: Snowflake::new(lease),
        store,
        filter,
        ffmpeg: cover::Ffmpeg::new(&settings.media, &settings.video),
        index,
        nats: nats.clone(),
    });
    let router = router(&settings.video);
    let worker = mesh::start(nats, spec(settings), router, Arc::clone(&state)).await?;
    Ok(VideoWorker {
        worker,
        state,
        follower,
    })
}

impl VideoWorker {
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    pub async fn shutdown(self) {
        drop(self.follower);
        self.worker.shutdown().await;
        self.state.ids.lease().release().await;
    }

    pub async fn run_until(self, shutdown: mesh::Shutdown) {
        shutdown.wait().await;
        self.shutdown().await;
    }
}
