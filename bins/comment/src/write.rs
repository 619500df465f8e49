//! The write path both actions share: store the event in the COMMENTS stream (the
//! acknowledgement), then apply it to the hot state, rebuilding the video's state (with this
//! event in it) if Redis lost it.

use std::sync::Arc;

use contract::comment::{CommentEvent, CommentInfo, event_subject};
use mesh::events::Stored;

use crate::{State, error::CommentError, hot::Loaded, rebuild};

/// 404 unless the video exists.
pub async fn check_video(state: &State, video_id: i64) -> Result<(), CommentError> {
    if video_id <= 0 {
        return Err(CommentError::Invalid(
            "video_id must be a positive id".into(),
        ));
    }
    // From this process's facts cache: a video is never edited or deleted, so a comment on
    // a known video is taken while the video service (and MySQL behind it) is down.
    let found = state.caller.videos(&[video_id]).await?;
    found
        .contains_key(&video_id)
        .then_some(())
        .ok_or(CommentError::NoSuchVideo)
}

/// Stores `event`, then applies it to the hot state (rebuilding it if Redis lost it).
pub async fn record(state: &Arc<State>, event: &CommentEvent) -> Result<u64, CommentError> {
    let seq = store(state, event, None).await?.sequence;
    apply(state, seq, event).await?;
    Ok(seq)
}

/// Stores `event` in the stream only; with `msg_id` a copy within the duplicate window is
/// not stored again (`Stored::duplicate`).
pub async fn store(
    state: &State,
    event: &CommentEvent,
    msg_id: Option<&str>,
) -> Result<Stored, CommentError> {
    let subject = event_subject(event.video_id, event.comment_id);
    mesh::events::publish(&state.js, subject, event, msg_id)
        .await
        .map_err(|e| CommentError::Stream(e.to_string()))
}

/// Applies the event stored at `seq` to the hot state. A no-op where the comment already
/// has this or a later event (the per-comment sequence guard), so applying twice is safe.
pub async fn apply(state: &Arc<State>, seq: u64, event: &CommentEvent) -> Result<(), CommentError> {
    for _ in 0..3 {
        if let Loaded::Yes(()) = state.hot.apply(seq, event).await? {
            return Ok(());
        }
        rebuild::video(state, event.video_id).await?;
    }
    Err(CommentError::Stream("hot state keeps disappearing".into()))
}

/// The live comment `comment` of `video`, `None` if it is not there (never was, or deleted);
/// loads the video's hot state if Redis lost it.
pub async fn live(
    state: &Arc<State>,
    video: i64,
    comment: i64,
) -> Result<Option<CommentInfo>, CommentError> {
    if let Loaded::Yes(found) = state.hot.get(video, comment).await? {
        return Ok(found);
    }
    rebuild::video(state, video).await?;
    match state.hot.get(video, comment).await? {
        Loaded::Yes(found) => Ok(found),
        Loaded::NotLoaded => Err(CommentError::HotStateLost),
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
