//! Keeping every instance's feed index current: a video stored by any instance is announced
//! on `evt.video.published` (core NATS, heard by every instance within milliseconds), and a
//! timer re-reads MySQL's newest videos, so a message missed while an instance reconnected
//! costs at most one period. The publishing instance also inserts before it replies, so its
//! own next page shows the video (read-your-writes).

use std::{sync::Arc, time::Duration};

use contract::video::{PUBLISHED_SUBJECT, VideoInfo, VideoPublished};
use futures::StreamExt;
use sqlx::MySqlPool;
use tokio::task::JoinHandle;

use crate::{index::FeedIndex, store};

/// How far before the newest held video a re-read starts: a commit that lost its race for
/// the clock by up to this much is still picked up.
const LOOKBACK_MS: i64 = 10_000;
/// Most rows one re-read takes; a full batch means the index fell further behind than a
/// lost message explains, and it is loaded again instead of patched.
const RESYNC_ROWS: u32 = 2_000;

/// The tasks that follow the announcements and the timer; stopped on drop.
pub struct Follower {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Subscribes first, then loads the index, so a video announced during the load is held in
/// the subscription and applied after it (inserting twice changes nothing).
pub async fn start(
    nats: &async_nats::Client,
    pool: MySqlPool,
    capacity: usize,
    every: Duration,
) -> anyhow::Result<(Arc<FeedIndex>, Follower)> {
    if capacity == 0 {
        return Ok((Arc::new(FeedIndex::disabled()), Follower { tasks: vec![] }));
    }
    let announcements = nats.subscribe(PUBLISHED_SUBJECT).await?;
    let index = Arc::new(FeedIndex::load(&pool, capacity).await?);
    tracing::info!(videos = index.len(), "feed index loaded");
    let tasks = vec![
        tokio::spawn(hear(Arc::clone(&index), announcements)),
        tokio::spawn(resync_every(Arc::clone(&index), pool, every)),
    ];
    Ok((index, Follower { tasks }))
}

/// Holds a video this instance stored and tells the others. A lost announcement is not an
/// error of the publish (the video is committed): the others' timers pick it up.
pub async fn announce(nats: &async_nats::Client, index: &FeedIndex, video: VideoInfo, works: i64) {
    let event = VideoPublished { video, works };
    index.insert(event.video.clone(), works);
    let published = match serde_json::to_vec(&event) {
        Ok(payload) => nats.publish(PUBLISHED_SUBJECT, payload.into()).await,
        Err(err) => {
            tracing::error!(error = %err, "a video announcement did not serialise");
            return;
        }
    };
    if let Err(err) = published {
        tracing::warn!(error = %err, video_id = event.video.id, "video announcement not sent");
    }
}

async fn hear(index: Arc<FeedIndex>, mut announcements: async_nats::Subscriber) {
    while let Some(message) = announcements.next().await {
        match serde_json::from_slice::<VideoPublished>(&message.payload) {
            Ok(event) => index.insert(event.video, event.works),
            Err(err) => tracing::warn!(error = %err, "not a video announcement"),
        }
    }
}

/// Re-reads on a timer; while MySQL is down the index keeps answering what it holds, and
/// the outage is logged once (and its end once).
async fn resync_every(index: Arc<FeedIndex>, pool: MySqlPool, every: Duration) {
    let mut timer = tokio::time::interval(every);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        timer.tick().await;
        match resync(&index, &pool).await {
            Ok(()) if failing => {
                failing = false;
                tracing::info!("feed index re-read works again");
            }
            Ok(()) => {}
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(error = %err, "feed index re-read failed; serving what it holds");
            }
            Err(_) => {}
        }
    }
}

async fn resync(index: &FeedIndex, pool: &MySqlPool) -> Result<(), sqlx::Error> {
    let after = index
        .newest_ms()
        .map_or(i64::MIN, |newest| newest.saturating_sub(LOOKBACK_MS));
    let rows = store::feed_after(pool, after, RESYNC_ROWS).await?;
    if rows.len() >= RESYNC_ROWS as usize {
        index.refill(FeedIndex::load(pool, index.capacity()).await?);
        return Ok(());
    }
    for (video, works) in rows {
        index.insert(video, works);
    }
    Ok(())
}
