//! `POST /douyin/message/action/`: send `content` to `to_user_id` (`action_type=1`).

use axum::extract::State;
use contract::chat::SendMessage;

use utoipa::ToSchema;

use super::{Done, Reply};
use crate::{AppState, docs::ErrorBody, error::ApiError, params::Params};

/// The message form (each field may come in the query instead).
// Only describes the form: the fields are read through `Params`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MessageForm {
    #[schema(minimum = 1)]
    to_user_id: i64,
    /// 1 send.
    #[schema(minimum = 1, maximum = 1)]
    action_type: i32,
    content: String,
}

#[utoipa::path(
    post,
    path = "/douyin/message/action/",
    operation_id = "message_action",
    tag = "message",
    params(super::SessionQuery),
    request_body(content = MessageForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "sent", body = Reply<Done>),
        (status = 401, description = "no valid token", body = ErrorBody),
        (status = 404, description = "the user not found", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<Done>, ApiError> {
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
    Ok(super::ok(Done {}))
}
