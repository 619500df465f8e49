//! `favorite.v1.page_stats`: a feed page's like counts in one request instead of two — the
//! `video_stats` and `user_stats` reads run concurrently on the one Redis connection (fred
//! pipelines them, so they share the round trip), each with its own limits and rebuilds.

use std::sync::Arc;

use contract::favorite::{PageStats, PageStatsReply, UserStats, VideoStats};

use crate::{State, error::FavoriteError};

pub async fn handle(
    state: Arc<State>,
    request: PageStats,
) -> Result<PageStatsReply, FavoriteError> {
    let videos = VideoStats {
        video_ids: request.video_ids,
        viewer: request.viewer,
    };
    let users = UserStats {
        user_ids: request.user_ids,
    };
    let (videos, users) = tokio::try_join!(
        super::video_stats::handle(Arc::clone(&state), videos),
        super::user_stats::handle(state, users),
    )?;
    Ok(PageStatsReply {
        videos: videos.stats,
        users: users.stats,
    })
}
