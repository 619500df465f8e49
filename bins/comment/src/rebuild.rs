//! Rebuilding lost video hot state: the stored comments plus the stream's unpersisted events
//! of each video from this instance's in-memory tail, newest event per comment winning (the
//! rule the consumer applies to MySQL), installed in chunks. A video with no comments that
//! is not known to exist is a negative entry that expires.
//!
//! Concurrent misses of one video share one rebuild; a batch of misses (the counts of a
//! feed page) is one MySQL query, within the rebuild bulkhead.

use std::{collections::HashMap, sync::Arc};

use contract::comment::CommentEvent;

use crate::{State, error::CommentError, store};

/// The video an event belongs to (the tail's index).
pub fn video_of(event: &CommentEvent) -> Vec<i64> {
    vec![event.video_id]
}

/// Rebuilds one video, e.g. after a write found it missing.
pub async fn video(state: &Arc<State>, video: i64) -> Result<(), CommentError> {
    videos(state, &[video]).await
}

/// Rebuilds `lost` (shared with rebuilds of the same videos already under way).
pub async fn videos(state: &Arc<State>, lost: &[i64]) -> Result<(), CommentError> {
    let owned = Arc::clone(state);
    state
        .rebuilds
        .run(lost, move |fresh| async move { build(&owned, fresh).await })
        .await
        .map_err(CommentError::Shared)
}

async fn build(state: &State, videos: Vec<i64>) -> Result<(), CommentError> {
    let latest = latest(state, &videos).await?;
    let empty: Vec<i64> = latest
        .iter()
        .filter(|(_, comments)| comments.is_empty())
        .map(|(video, _)| *video)
        .collect();
    // Empty groups of videos that exist are kept (see `hotstate::install`).
    let existing = &state.caller.existing_videos(&empty).await;
    let rebuilt = latest
        .into_iter()
        .map(|(video, comments)| {
            let comments: Vec<(u64, CommentEvent)> = comments.into_values().collect();
            state
                .hot
                .rebuilt(video, &comments, existing.contains(&video))
        })
        .collect();
    hotstate::install_all(state.hot.redis(), &state.hot_settings, rebuilt).await?;
    Ok(())
}

/// Each of `videos`' comments, latest event each, as MySQL plus the tail say: what a
/// rebuild installs and what the drift verifier compares Redis with.
pub(crate) async fn latest(
    state: &State,
    videos: &[i64],
) -> Result<HashMap<i64, HashMap<i64, (u64, CommentEvent)>>, CommentError> {
    // The order `hotstate::tail` prescribes: pin, read MySQL, then the tail's events.
    let pin = state.tail.pin()?;
    let stored = store::latest(&state.db, videos).await?;
    let events = pin.events(videos).await?;
    drop(pin);
    let mut latest: HashMap<i64, HashMap<i64, (u64, CommentEvent)>> = videos
        .iter()
        .map(|video| (*video, HashMap::new()))
        .collect();
    let unpersisted = events
        .into_values()
        .flatten()
        .map(|(seq, event)| (seq, CommentEvent::clone(&event)));
    for (seq, event) in stored.into_iter().chain(unpersisted) {
        let comments = latest.entry(event.video_id).or_default();
        match comments.get(&event.comment_id) {
            Some((known, _)) if *known >= seq => {}
            _ => {
                comments.insert(event.comment_id, (seq, event));
            }
        }
    }
    Ok(latest)
}
