//! `GET /douyin/favorite/list/`: the videos a user liked, most recently liked first.

use axum::{Json, extract::State};
use contract::{favorite::ListFavorites, video::GetVideos};
use serde_json::{Value, json};

use crate::{AppState, compose, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let viewer = state.viewer(&params).await?;
    let user_id = super::subject_user(&params, viewer)?;
    let liked = state.caller.call(&ListFavorites { user_id }).await?;
    let videos = state
        .caller
        .call(&GetVideos {
            ids: liked.video_ids,
        })
        .await?;
    let videos = compose::videos(&state, viewer, videos.videos).await?;
    Ok(super::ok(json!({ "video_list": videos })))
}
