//! `GET /douyin/user/`: one user as the caller sees them. `user_id` defaults to the token's
//! user; without either the caller must log in (401). A token, when sent, must be valid.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::Reply;
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, params::Params, views::User};

/// The user route's reply fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserFields {
    user: User,
}

#[utoipa::path(
    get,
    path = "/douyin/user/",
    operation_id = "user_info",
    tag = "user",
    params(super::UserQuery),
    responses(
        (status = 200, description = "the user as the caller sees them", body = Reply<UserFields>),
        (status = 401, description = "no user_id and no valid token", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<UserFields>, ApiError> {
    let viewer = state.viewer(&params).await?;
    let user_id = super::subject_user(&params, viewer)?;
    let mut users = compose::users(&state, viewer, vec![user_id]).await?;
    let user = users
        .remove(&user_id)
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    Ok(super::ok(UserFields { user }))
}
