//! `GET /douyin/relation/follow/list/` and `/follower/list/`: whom a user follows, or who
//! follows them, most recent first, as Users seen by the caller.

use axum::extract::State;
use contract::relation::{ListKind, ListRelations};
use serde_json::json;

use crate::{AppState, compose, error::ApiError, params::Params};

pub async fn follows(state: State<AppState>, params: Params) -> Result<super::Answer, ApiError> {
    list(state, params, ListKind::Follows).await
}

pub async fn followers(state: State<AppState>, params: Params) -> Result<super::Answer, ApiError> {
    list(state, params, ListKind::Followers).await
}

async fn list(
    State(state): State<AppState>,
    params: Params,
    kind: ListKind,
) -> Result<super::Answer, ApiError> {
    let viewer = state.viewer(&params).await?;
    let user_id = super::subject_user(&params, viewer)?;
    let listed = state.caller.call(&ListRelations { user_id, kind }).await?;
    let users = compose::ordered_users(&state, viewer, listed.user_ids).await?;
    Ok(super::ok(json!({ "user_list": users })))
}
