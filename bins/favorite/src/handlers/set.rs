//! `favorite.v1.set`: like or unlike. Acknowledged once the event is stored in the
//! FAVORITES stream; the hot state is updated before the reply (read-your-writes), MySQL
//! follows in the persistence consumer's next batch.

use std::sync::Arc;

use contract::favorite::{FavoriteEvent, FavoriteSet, SetFavorite, event_subject};

use crate::{State, error::FavoriteError, hot::Applied, rebuild, store::CountBy};

pub async fn handle(state: Arc<State>, request: SetFavorite) -> Result<FavoriteSet, FavoriteError> {
    if request.video_id <= 0 {
        return Err(FavoriteError::Invalid(
            "video_id must be a positive id".into(),
        ));
    }
    let videos = state.caller.videos(&[request.video_id]).await?;
    let video = videos.values().next().ok_or(FavoriteError::NoSuchVideo)?;
    let event = FavoriteEvent {
        user_id: request.user_id,
        video_id: video.id,
        author_id: video.author_id,
        liked: request.liked,
        at_ms: now_ms(),
    };
    // Load what this event touches *before* it exists: a state rebuilt later could already
    // hold the event (persisted meanwhile) while the counts loaded earlier do not.
    ensure_loaded(&state, &event).await?;
    let subject = event_subject(event.author_id, event.video_id, event.user_id);
    let seq = mesh::events::publish(&state.js, subject, &event).await?;
    for _ in 0..3 {
        if state.hot.apply(seq, &event).await? == Applied::Done {
            return Ok(FavoriteSet { seq });
        }
        // Redis lost the state in between: the rebuild includes this event (it is in the
        // stream and claimed as applied), and applying it again is a no-op.
        ensure_loaded(&state, &event).await?;
    }
    Err(FavoriteError::Stream("hot state keeps disappearing".into()))
}

async fn ensure_loaded(state: &State, event: &FavoriteEvent) -> Result<(), FavoriteError> {
    let [user, video, author, applied] = state
        .hot
        .loaded(event.user_id, event.video_id, event.author_id)
        .await?;
    // A rebuild also restores the applied-events record (it claims the unpersisted tail).
    if !user || !applied {
        rebuild::users(state, &[event.user_id]).await?;
    }
    if !video {
        rebuild::counts(state, CountBy::Video, &[event.video_id]).await?;
    }
    if !author {
        rebuild::counts(state, CountBy::Author, &[event.author_id]).await?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
