//! `GET /douyin/favorite/list/`: the videos a user liked, most recently liked first.

use axum::extract::State;
use contract::favorite::ListFavorites;
use serde_json::json;

use crate::{AppState, compose, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
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
    Ok(super::ok(json!({ "video_list": videos })))
}
