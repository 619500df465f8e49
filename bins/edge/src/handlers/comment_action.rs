//! `POST /douyin/comment/action/`: post (`action_type=1`, `comment_text`) or delete (`2`,
//! `comment_id`) a comment on `video_id`. A post answers the full Comment with its User.

use axum::extract::State;
use contract::comment::{DeleteComment, PostComment};
use serde_json::json;

use crate::{AppState, compose, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
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
            Ok(super::ok(json!({ "comment": comment })))
        }
        2 => {
            let comment_id = super::positive_id(&params, "comment_id")?;
            let request = DeleteComment {
                user_id,
                video_id,
                comment_id,
            };
            state.caller.call(&request).await?;
            Ok(super::ok(json!({})))
        }
        _ => Err(ApiError::bad_request(
            "action_type must be 1 (post) or 2 (delete)",
        )),
    }
}
