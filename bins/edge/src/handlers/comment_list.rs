//! `GET /douyin/comment/list/`: a video's comments, newest first.

use axum::extract::State;
use contract::comment::ListComments;
use serde::Serialize;
use utoipa::ToSchema;

use super::Reply;
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, params::Params, views::Comment};

/// The comment list's reply fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentList {
    comment_list: Vec<Comment>,
}

#[utoipa::path(
    get,
    path = "/douyin/comment/list/",
    operation_id = "comment_list",
    tag = "comment",
    params(
        ("video_id" = i64, Query, description = "the video"),
        ("token" = Option<String>, Query, description = "the session token (also read from a form body, or `Authorization: Bearer`)"),
    ),
    responses(
        (status = 200, description = "the comments, newest first", body = Reply<CommentList>),
        (status = 401, description = "the token is not valid", body = ErrorBody),
        (status = 404, description = "the video not found", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<CommentList>, ApiError> {
    let viewer = state.viewer(&params).await?;
    let video_id = super::positive_id(&params, "video_id")?;
    let (ids, list_request) = ([video_id], ListComments { video_id });
    let (exists, listed) =
        tokio::try_join!(state.caller.videos(&ids), state.caller.call(&list_request),)?;
    if exists.is_empty() {
        return Err(ApiError::not_found("video not found"));
    }
    let comments = compose::comments(&state, viewer, listed.comments).await?;
    Ok(super::ok(CommentList {
        comment_list: comments,
    }))
}
