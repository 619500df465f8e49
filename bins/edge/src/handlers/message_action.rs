//! `POST /douyin/message/action/`: send `content` to `to_user_id` (`action_type=1`).

use axum::extract::State;
use contract::chat::SendMessage;
use serde_json::json;

use crate::{AppState, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
    let from_id = state.writer(&params).await?;
    let to_id = super::positive_id(&params, "to_user_id")?;
    if params.required_i64("action_type")? != 1 {
        return Err(ApiError::bad_request("action_type must be 1 (send)"));
    }
    let content = params.required("content")?.to_owned();
    state
        .caller
        .call(&SendMessage {
            from_id,
            to_id,
            content,
        })
        .await?;
    Ok(super::ok(json!({})))
}
