//! `GET /douyin/relation/friend/list/`: mutual follows, each with the latest message between
//! the two and who sent it (`msgType` 1 = the viewer did). The viewer is the token's user.
//! A page at a time, with `next_cursor` when there is more.

use axum::extract::State;
use contract::{
    chat::Latest,
    relation::{ListKind, ListRelations},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::Reply;
use crate::{
    AppState, compose, docs::ErrorBody, error::ApiError, list_cursor, params::Params,
    views::FriendUser,
};

/// The friend list's reply fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct FriendList {
    user_list: Vec<FriendUser>,
    /// Send as `cursor` for the next page; absent on the list's last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/douyin/relation/friend/list/",
    operation_id = "friend_list",
    tag = "relation",
    params(
        ("user_id" = Option<i64>, Query, description = "the token's user (only your own list)"),
        ("token" = Option<String>, Query, description = "the session token (also read from a form body, or `Authorization: Bearer`)"),
        ("cursor" = Option<String>, Query, description = "the `next_cursor` of the previous page (opaque); none: the newest page"),
    ),
    responses(
        (status = 200, description = "mutual follows with the latest message of each", body = Reply<FriendList>),
        (status = 400, description = "a cursor that is not a next_cursor", body = ErrorBody),
        (status = 401, description = "no valid token", body = ErrorBody),
        (status = 403, description = "not your own list", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<FriendList>, ApiError> {
    let viewer = state.signed_in(&params).await?;
    let user_id = params.i64("user_id")?.unwrap_or(viewer);
    if user_id != viewer {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "only your own friend list",
        ));
    }
    let after = list_cursor::from_params(&params)?;
    let friends = state
        .caller
        .call(&ListRelations {
            user_id,
            kind: ListKind::Friends,
            after,
        })
        .await?;
    let next_cursor = friends.next.as_ref().map(list_cursor::format);
    let latest_request = Latest {
        user_id,
        peer_ids: friends.user_ids.clone(),
    };
    let (users, latest) = tokio::try_join!(
        compose::ordered_users(&state, Some(viewer), friends.user_ids),
        async { Ok(state.caller.call(&latest_request).await?) },
    )?;
    let mut latest: std::collections::HashMap<i64, _> = latest
        .latest
        .into_iter()
        .map(|p| (p.peer_id, p.message))
        .collect();
    let friends: Vec<FriendUser> = users
        .into_iter()
        .map(|user| {
            let message = latest.remove(&user.id).flatten();
            FriendUser {
                msg_type: i32::from(message.as_ref().is_some_and(|m| m.from_id == viewer)),
                message: message.map(|m| m.content).unwrap_or_default(),
                user,
            }
        })
        .collect();
    Ok(super::ok(FriendList {
        user_list: friends,
        next_cursor,
    }))
}
