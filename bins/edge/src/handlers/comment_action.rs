//! `POST /douyin/comment/action/`: post (`action_type=1`, `comment_text`) or delete (`2`,
//! `comment_id`) a comment on `video_id`. A post answers the full Comment with its User.

use axum::extract::State;
use contract::comment::{DeleteComment, PostComment};
use serde::Serialize;
use utoipa::ToSchema;

use super::Reply;
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, params::Params, views::Comment};

/// The comment form (each field may come in the query instead).
// Only describes the form: the fields are read through `Params`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CommentForm {
    #[schema(minimum = 1)]
    video_id: i64,
    /// 1 post, 2 delete.
    #[schema(minimum = 1, maximum = 2)]
    action_type: i32,
    /// The text to post (for 1).
    comment_text: Option<String>,
    /// The comment to delete (for 2).
    comment_id: Option<i64>,
}

/// The comment route's reply fields: the posted comment (none after a delete).
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<Comment>,
}

#[utoipa::path(
    post,
    path = "/douyin/comment/action/",
    operation_id = "comment_action",
    tag = "comment",
    params(super::SessionQuery),
    request_body(content = CommentForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "posted (with the comment) or deleted", body = Reply<CommentFields>),
        (status = 401, description = "no valid token", body = ErrorBody),
        (status = 403, description = "not your comment", body = ErrorBody),
        (status = 404, description = "the video or comment not found", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<CommentFields>, ApiError> {
    let user_id = state.writer(&params).await?;
    let video_id = super::positive_id(&params, "video_id")?;
    match params.required_i64("action_type")? {
        1 => {
            let text = params.required("comment_text")?.to_owned();
            let posted = state
                .caller
                .call(&PostComment {
                    user_id,
                    video_id,
                    text,
                })
                .await?;
            let mut comments = compose::comments(&state, Some(user_id), vec![posted]).await?;
            let comment = comments
                .pop()
                .ok_or_else(|| ApiError::not_found("user not found"))?;
            Ok(super::ok(CommentFields {
                comment: Some(comment),
            }))
        }
        2 => {
            let comment_id = super::positive_id(&params, "comment_id")?;
            let request = DeleteComment {
                user_id,
                video_id,
                comment_id,
            };
            state.caller.call(&request).await?;
            Ok(super::ok(CommentFields { comment: None }))
        }
        _ => Err(ApiError::bad_request(
            "action_type must be 1 (post) or 2 (delete)",
        )),
    }
}
