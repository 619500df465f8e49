//! `GET /douyin/publish/list/`: a user's videos, newest first.

use axum::extract::State;
use contract::video::ListByAuthor;
use serde_json::json;

use crate::{AppState, compose, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
    let viewer = state.viewer(&params).await?;
    let author_id = super::subject_user(&params, viewer)?;
    let page = state.caller.call(&ListByAuthor { author_id }).await?;
    if page.videos.is_empty() {
        // An empty list must still tell an unknown user from one who published nothing.
        compose::users(&state, viewer, vec![author_id])
            .await?
            .remove(&author_id)
            .ok_or_else(|| ApiError::not_found("user not found"))?;
    }
    let videos = compose::videos(&state, viewer, page.videos, &page.work_counts).await?;
    Ok(super::ok(json!({ "video_list": videos })))
}
