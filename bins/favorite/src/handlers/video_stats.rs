//! `favorite.v1.video_stats`: like counts of N videos and the viewer's own likes, from hot
//! state: one round trip (the counts' pipeline and the viewer's script run concurrently on
//! one connection), plus one rebuild batch for whatever was missing.

use std::sync::Arc;

use contract::favorite::{VideoStat, VideoStats, VideoStatsReply};

use crate::{State, error::FavoriteError, hot::FavKey, rebuild};

/// More than any page shows; bounds the Redis work of one request.
const MAX_IDS: usize = 1_000;

pub async fn handle(
    state: Arc<State>,
    request: VideoStats,
) -> Result<VideoStatsReply, FavoriteError> {
    let ids = request.video_ids;
    if ids.len() > MAX_IDS {
        return Err(FavoriteError::Invalid(format!(
            "at most {MAX_IDS} ids per request"
        )));
    }
    let videos: Vec<FavKey> = ids.iter().map(|id| FavKey::Video(*id)).collect();
    let (shared, keys, ids_ref, viewer) = (&*state, &videos, &ids, request.viewer);
    let attempt = || async move {
        let (counts, liked) = read(shared, keys, viewer, ids_ref).await?;
        let mut missing = super::missing(keys, &counts);
        if let (Some(viewer), None) = (viewer, &liked) {
            missing.push(FavKey::User(viewer));
        }
        Ok(((counts, liked), missing))
    };
    let (counts, liked) = rebuild::read_through(&state, attempt).await?;
    let liked = liked.unwrap_or_else(|| vec![false; ids.len()]);
    let stats = ids
        .iter()
        .zip(counts.into_iter().zip(liked))
        .map(|(id, (count, viewer_liked))| VideoStat {
            video_id: *id,
            favorite_count: count.unwrap_or_default(),
            viewer_liked,
        })
        .collect();
    Ok(VideoStatsReply { stats })
}

type Read = (Vec<Option<i64>>, Option<Vec<bool>>);

/// The counts and (with a viewer) the viewer's likes; `None` where not loaded.
async fn read(
    state: &State,
    videos: &[FavKey],
    viewer: Option<i64>,
    ids: &[i64],
) -> Result<Read, FavoriteError> {
    let counts = state.hot.counts(videos);
    let liked = async {
        match viewer {
            Some(viewer) => state.hot.liked(viewer, ids).await,
            None => Ok(Some(vec![false; ids.len()])),
        }
    };
    let (counts, liked) = tokio::try_join!(counts, liked)?;
    Ok((counts, liked))
}
