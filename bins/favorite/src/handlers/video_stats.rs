//! `favorite.v1.video_stats`: like counts of N videos and the viewer's own likes, from hot
//! state (a constant number of Redis calls, whatever N).

use std::sync::Arc;

use contract::favorite::{VideoStat, VideoStats, VideoStatsReply};

use crate::{State, error::FavoriteError, rebuild, store::CountBy};

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
    let counts = counts(&state, &ids).await?;
    let liked = match request.viewer {
        Some(viewer) => liked(&state, viewer, &ids).await?,
        None => vec![false; ids.len()],
    };
    let stats = ids
        .iter()
        .zip(counts.iter().zip(liked))
        .map(|(id, (count, viewer_liked))| VideoStat {
            video_id: *id,
            favorite_count: *count,
            viewer_liked,
        })
        .collect();
    Ok(VideoStatsReply { stats })
}

async fn counts(state: &State, ids: &[i64]) -> Result<Vec<i64>, FavoriteError> {
    let keys = || ids.iter().map(|id| state.hot.video_count(*id)).collect();
    let found = state.hot.counts(keys()).await?;
    let missing: Vec<i64> = ids
        .iter()
        .zip(&found)
        .filter(|(_, count)| count.is_none())
        .map(|(id, _)| *id)
        .collect();
    if missing.is_empty() {
        return Ok(found.into_iter().map(Option::unwrap_or_default).collect());
    }
    rebuild::counts(state, CountBy::Video, &missing).await?;
    let found = state.hot.counts(keys()).await?;
    Ok(found.into_iter().map(Option::unwrap_or_default).collect())
}

async fn liked(state: &State, viewer: i64, ids: &[i64]) -> Result<Vec<bool>, FavoriteError> {
    if let Some(liked) = state.hot.liked(viewer, ids).await? {
        return Ok(liked);
    }
    rebuild::users(state, &[viewer]).await?;
    Ok(state
        .hot
        .liked(viewer, ids)
        .await?
        .unwrap_or_else(|| vec![false; ids.len()]))
}
