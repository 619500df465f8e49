//! `GET /douyin/message/chat/`: the conversation with `to_user_id`, both directions, oldest
//! first, strictly newer than `pre_msg_time` (ms; apps poll this every second).

use axum::extract::State;
use contract::chat::History;
use serde::Serialize;
use utoipa::ToSchema;

use super::Reply;
use crate::{AppState, docs::ErrorBody, error::ApiError, params::Params, views::Message};

/// The chat's reply fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    message_list: Vec<Message>,
}

#[utoipa::path(
    get,
    path = "/douyin/message/chat/",
    operation_id = "message_chat",
    tag = "message",
    params(
        ("to_user_id" = i64, Query, description = "the other user"),
        ("pre_msg_time" = Option<i64>, Query, description = "messages strictly newer than this (ms; default 0)"),
        ("token" = Option<String>, Query, description = "the session token (also read from a form body, or `Authorization: Bearer`)"),
    ),
    responses(
        (status = 200, description = "the messages of both directions, oldest first", body = Reply<MessageList>),
        (status = 401, description = "no valid token", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<MessageList>, ApiError> {
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
    Ok(super::ok(MessageList {
        message_list: messages,
    }))
}
