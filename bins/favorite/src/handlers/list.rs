//! `favorite.v1.list`: a user's liked videos, most recently liked first.

use std::sync::Arc;

use contract::favorite::{FavoriteVideos, ListFavorites};

use crate::{State, error::FavoriteError, hot::FavKey, rebuild};

pub async fn handle(
    state: Arc<State>,
    request: ListFavorites,
) -> Result<FavoriteVideos, FavoriteError> {
    if let Some(video_ids) = state.hot.list(request.user_id).await? {
        return Ok(FavoriteVideos { video_ids });
    }
    rebuild::ensure(&state, &[FavKey::User(request.user_id)]).await?;
    let video_ids = state.hot.list(request.user_id).await?.unwrap_or_default();
    Ok(FavoriteVideos { video_ids })
}
