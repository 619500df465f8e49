//! `GET /douyin/relation/follow/list/` and `/follower/list/`: whom a user follows, or who
//! follows them, most recent first, as Users seen by the caller; a page at a time, with
//! `next_cursor` when there is more.

use axum::extract::State;
use contract::relation::{ListKind, ListRelations};

use super::{Reply, UserList};
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, list_cursor, params::Params};

#[utoipa::path(
    get,
    path = "/douyin/relation/follow/list/",
    operation_id = "follow_list",
    tag = "relation",
    params(super::UserListQuery),
    responses(
        (status = 200, description = "whom the user follows", body = Reply<UserList>),
        (status = 400, description = "a cursor that is not a next_cursor", body = ErrorBody),
        (status = 401, description = "no user_id and no valid token", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn follows(
    state: State<AppState>,
    params: Params,
) -> Result<super::Answer<UserList>, ApiError> {
    list(state, params, ListKind::Follows).await
}

#[utoipa::path(
    get,
    path = "/douyin/relation/follower/list/",
    operation_id = "follower_list",
    tag = "relation",
    params(super::UserListQuery),
    responses(
        (status = 200, description = "who follows the user", body = Reply<UserList>),
        (status = 400, description = "a cursor that is not a next_cursor", body = ErrorBody),
        (status = 401, description = "no user_id and no valid token", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn followers(
    state: State<AppState>,
    params: Params,
) -> Result<super::Answer<UserList>, ApiError> {
    list(state, params, ListKind::Followers).await
}

async fn list(
    State(state): State<AppState>,
    params: Params,
    kind: ListKind,
) -> Result<super::Answer<UserList>, ApiError> {
    let viewer = state.viewer(&params).await?;
    let user_id = super::subject_user(&params, viewer)?;
    let after = list_cursor::from_params(&params)?;
    let request = ListRelations {
        user_id,
        kind,
        after,
    };
    let listed = state.caller.call(&request).await?;
    let users = compose::ordered_users(&state, viewer, listed.user_ids).await?;
    Ok(super::ok(UserList {
        user_list: users,
        next_cursor: listed.next.as_ref().map(list_cursor::format),
    }))
}
