//! The write path both actions share: store the event in the COMMENTS stream (the
//! acknowledgement), then apply it to the hot state, rebuilding the video's state (with this
//! event in it) if Redis lost it.

use std::sync::Arc;

use contract::{
    comment::{CommentEvent, event_subject},
    video::GetVideos,
};

use crate::{State, error::CommentError, hot::Loaded, rebuild};

/// 404 unless the video exists.
pub async fn check_video(state: &State, video_id: i64) -> Result<(), CommentError> {
    if video_id <= 0 {
        return Err(CommentError::Invalid(
            "video_id must be a positive id".into(),
        ));
    }
    let found = state
        .caller
        .call(&GetVideos {
            ids: vec![video_id],
        })
        .await?;
    found
        .videos
        .first()
        .map(drop)
        .ok_or(CommentError::NoSuchVideo)
}

/// Stores `event`, then applies it to the hot state (rebuilding it if Redis lost it).
pub async fn record(state: &Arc<State>, event: &CommentEvent) -> Result<u64, CommentError> {
    let subject = event_subject(event.video_id, event.comment_id);
    let seq = mesh::events::publish(&state.js, subject, event)
        .await
        .map_err(|e| CommentError::Stream(e.to_string()))?;
    for _ in 0..3 {
        if let Loaded::Yes(()) = state.hot.apply(seq, event).await? {
            return Ok(seq);
        }
        rebuild::video(state, event.video_id).await?;
    }
    Err(CommentError::Stream("hot state keeps disappearing".into()))
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
