//! `GET /douyin/relation/follow/list/` and `/follower/list/`: whom a user follows, or who
//! follows them, most recent first, as Users seen by the caller.

use axum::extract::State;
use contract::relation::{ListKind, ListRelations};

use super::{Reply, UserList};
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, params::Params};

#[utoipa::path(
    get,
    path = "/douyin/relation/follow/list/",
    operation_id = "follow_list",
    tag = "relation",
    params(super::UserQuery),
    responses(
        (status = 200, description = "whom the user follows", body = Reply<UserList>),
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
    params(super::UserQuery),
    responses(
        (status = 200, description = "who follows the user", body = Reply<UserList>),
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
    let listed = state.caller.call(&ListRelations { user_id, kind }).await?;
    let users = compose::ordered_users(&state, viewer, listed.user_ids).await?;
    Ok(super::ok(UserList { user_list: users }))
}
