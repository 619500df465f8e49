//! `GET /douyin/favorite/list/`: the videos a user liked, most recently liked first.

use axum::extract::State;
use contract::favorite::ListFavorites;

use super::{Reply, VideoList};
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, params::Params};

#[utoipa::path(
    get,
    path = "/douyin/favorite/list/",
    operation_id = "favorite_list",
    tag = "favorite",
    params(super::UserQuery),
    responses(
        (status = 200, description = "the videos the user liked, most recently liked first", body = Reply<VideoList>),
        (status = 401, description = "no user_id and no valid token", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<VideoList>, ApiError> {
    let viewer = state.viewer(&params).await?;
    let user_id = super::subject_user(&params, viewer)?;
    let liked = state.caller.call(&ListFavorites { user_id }).await?;
    let mut found = state.caller.videos(&liked.video_ids).await?;
    let infos = liked
        .video_ids
        .iter()
        .filter_map(|id| found.remove(id))
        .collect();
    let videos = compose::videos(&state, viewer, infos, &[]).await?;
    Ok(super::ok(VideoList { video_list: videos }))
}
