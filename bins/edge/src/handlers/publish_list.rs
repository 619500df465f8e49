//! `GET /douyin/publish/list/`: a user's videos, newest first.

use axum::extract::State;
use contract::video::ListByAuthor;

use super::{Reply, VideoList};
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, params::Params};

#[utoipa::path(
    get,
    path = "/douyin/publish/list/",
    operation_id = "publish_list",
    tag = "video",
    params(super::UserQuery),
    responses(
        (status = 200, description = "the user's videos, newest first", body = Reply<VideoList>),
        (status = 401, description = "no user_id and no valid token", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<VideoList>, ApiError> {
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
    Ok(super::ok(VideoList { video_list: videos }))
}
