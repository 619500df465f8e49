//! `favorite.v1.list`: a user's liked videos, most recently liked first.

use std::sync::Arc;

use contract::favorite::{FavoriteVideos, ListFavorites};

use crate::{State, error::FavoriteError, hot::FavKey, rebuild};

pub async fn handle(
    state: Arc<State>,
    request: ListFavorites,
) -> Result<FavoriteVideos, FavoriteError> {
    let user = request.user_id;
    let hot = &state.hot;
    let read = || async move {
        match hot.list(user).await? {
            Some(ids) => Ok((ids, Vec::new())),
            None => Ok((Vec::new(), vec![FavKey::User(user)])),
        }
    };
    let video_ids = rebuild::read_through(&state, read).await?;
    Ok(FavoriteVideos { video_ids })
}
