//! `favorite.v1.set`: like or unlike. Acknowledged once the event is stored in the
//! FAVORITES stream; the hot state is updated before the reply (read-your-writes), MySQL
//! follows in the persistence consumer's next batch.

use std::sync::Arc;

use contract::favorite::{FavoriteEvent, FavoriteSet, SetFavorite, event_subject};

use crate::{State, error::FavoriteError, rebuild};

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
    let subject = event_subject(event.author_id, event.video_id, event.user_id);
    // No message id: liking twice is the same state as once, so a retried write needs no dedupe.
    let seq = mesh::events::publish(&state.js, subject, &event, None)
        .await?
        .sequence;
    // Each group applies the event once, whatever happened to the others, so nothing needs
    // loading before the publish: a group found missing is rebuilt (with this event, which
    // the stream holds by now) and the event applied again, a no-op where it already is.
    let (hot, event) = (&state.hot, &event);
    let apply = || async move { Ok(((), hot.apply(seq, event).await?)) };
    rebuild::read_through(&state, apply).await?;
    Ok(FavoriteSet { seq })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
