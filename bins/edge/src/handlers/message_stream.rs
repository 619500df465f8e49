//! `GET /douyin/message/stream/`: the signed-in user's new messages, both directions, as
//! Server-Sent Events the moment the chat worker has stored them (`event: message`, `id:`
//! its `create_time`, data: the Message of API.md), with a `: ping` comment every
//! `edge.live.heartbeat_ms`. Fed by the chat worker's core-NATS notices: a client that
//! reconnects catches up with `/douyin/message/chat/` after the last id it saw. Polling
//! stays for old clients.

use axum::{
    extract::State,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use contract::chat::{MessageInfo, notice_subject};
use futures::StreamExt;

use crate::{AppState, docs::ErrorBody, error::ApiError, params::Params, views::Message};

#[utoipa::path(
    get,
    path = "/douyin/message/stream/",
    operation_id = "message_stream",
    tag = "message",
    params(
        ("token" = Option<String>, Query, description = "the session token (or `Authorization: Bearer`; browsers' EventSource can only send the query)"),
    ),
    responses(
        (status = 200, description = "an endless text/event-stream: `event: message` with `id` = the message's create_time and a Message as data, `: ping` comments between", content_type = "text/event-stream", body = String),
        (status = 401, description = "no valid token", body = ErrorBody),
        (status = 429, description = "too many live streams for this user or this server", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let user_id = state.signed_in(&params).await?;
    let stream = state.live.open(user_id, notice_subject(user_id)).await?;
    let closing = state.live.closing();
    // The body owns the stream, so a client that goes away releases its place.
    let events = stream
        .filter_map(|notice| async move { event(&notice.payload) })
        .map(Ok::<_, std::convert::Infallible>);
    let heartbeat = KeepAlive::new()
        .interval(state.live.heartbeat())
        .text("ping");
    let ended = async move { closing.wait().await };
    Ok(Sse::new(events.take_until(ended))
        .keep_alive(heartbeat)
        .into_response())
}

/// The SSE event of one notice; a payload that is not a message is skipped (logged).
fn event(payload: &[u8]) -> Option<Event> {
    let message: MessageInfo = match serde_json::from_slice(payload) {
        Ok(message) => message,
        Err(err) => {
            tracing::warn!(error = %err, "a chat notice that is not a message");
            return None;
        }
    };
    let id = message.create_time.to_string();
    Event::default()
        .event("message")
        .id(id)
        .json_data(Message::from(message))
        .ok()
}
