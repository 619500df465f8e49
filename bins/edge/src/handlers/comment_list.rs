//! `GET /douyin/comment/list/`: a video's comments, newest first.

use axum::extract::State;
use contract::comment::ListComments;
use serde_json::json;

use crate::{AppState, compose, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
    let viewer = state.viewer(&params).await?;
    let video_id = super::positive_id(&params, "video_id")?;
    let (ids, list_request) = ([video_id], ListComments { video_id });
    let (exists, listed) =
        tokio::try_join!(state.caller.videos(&ids), state.caller.call(&list_request),)?;
    if exists.is_empty() {
        return Err(ApiError::not_found("video not found"));
    }
    let comments = compose::comments(&state, viewer, listed.comments).await?;
    Ok(super::ok(json!({ "comment_list": comments })))
}
