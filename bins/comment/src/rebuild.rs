//! Rebuilding a video's lost hot state: the stored comments plus the events the consumer
//! has not persisted yet, newest event per comment winning — the rule MySQL applies.

use std::collections::{HashMap, HashSet};

use contract::comment::{CommentEvent, PERSIST_CONSUMER, STREAM};

use crate::{State, error::CommentError, store};

pub async fn videos(state: &State, videos: &[i64]) -> Result<(), CommentError> {
    let wanted: HashSet<i64> = videos.iter().copied().collect();
    let filter = match videos {
        [one] => format!("evt.comment.{one}.*"),
        _ => "evt.comment.>".to_owned(),
    };
    let tail = mesh::streams::unpersisted(&state.js, STREAM, PERSIST_CONSUMER, &filter).await?;
    let events = tail
        .events
        .into_iter()
        .filter_map(|stored| {
            Some((
                stored.seq,
                serde_json::from_slice::<CommentEvent>(&stored.payload).ok()?,
            ))
        })
        .filter(|(_, event)| wanted.contains(&event.video_id));
    let stored = store::latest(&state.db, videos).await?;
    let mut latest: HashMap<i64, (u64, CommentEvent)> = HashMap::new();
    for (seq, event) in stored.into_iter().chain(events) {
        match latest.get(&event.comment_id) {
            Some((known, _)) if *known >= seq => {}
            _ => {
                latest.insert(event.comment_id, (seq, event));
            }
        }
    }
    let mut by_video: HashMap<i64, Vec<(u64, CommentEvent)>> =
        videos.iter().map(|v| (*v, Vec::new())).collect();
    for (seq, event) in latest.into_values() {
        by_video
            .entry(event.video_id)
            .or_default()
            .push((seq, event));
    }
    for (video, latest) in by_video {
        state.hot.load(video, &latest).await?;
    }
    Ok(())
}
