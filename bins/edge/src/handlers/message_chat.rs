//! `GET /douyin/message/chat/`: the conversation with `to_user_id`, both directions, oldest
//! first, strictly newer than `pre_msg_time` (ms; apps poll this every second).

use axum::extract::State;
use contract::chat::History;
use serde_json::json;

use crate::{AppState, error::ApiError, params::Params, views::Message};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
    let user_id = state.signed_in(&params).await?;
    let peer_id = super::positive_id(&params, "to_user_id")?;
    let after_ms = params.i64("pre_msg_time")?.unwrap_or(0);
    if after_ms < 0 {
        return Err(ApiError::bad_request("pre_msg_time must not be negative"));
    }
    let history = state
        .caller
        .call(&History {
            user_id,
            peer_id,
            after_ms,
        })
        .await?;
    let messages: Vec<Message> = history.messages.into_iter().map(Message::from).collect();
    Ok(super::ok(json!({ "message_list": messages })))
}
