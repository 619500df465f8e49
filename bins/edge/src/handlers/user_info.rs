//! `GET /douyin/user/`: one user as the caller sees them. `user_id` defaults to the token's
//! user; without either the caller must log in (401). A token, when sent, must be valid.

use axum::extract::State;
use serde_json::json;

use crate::{AppState, compose, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
    let viewer = state.viewer(&params).await?;
    let user_id = super::subject_user(&params, viewer)?;
    let mut users = compose::users(&state, viewer, vec![user_id]).await?;
    let user = users
        .remove(&user_id)
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    Ok(super::ok(json!({ "user": user })))
}
