//! View composition: a page of N objects costs one batch request per owning domain, never
//! one request per object. Domains that land later add one batch call each here.

use std::collections::HashMap;

use contract::user::GetUsers;

use crate::{AppState, error::ApiError, views::User};

/// Users by id as `viewer` sees them (the viewer matters once follows exist).
pub async fn users(
    state: &AppState,
    _viewer: Option<i64>,
    ids: Vec<i64>,
) -> Result<HashMap<i64, User>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let reply = state.caller.call(&GetUsers { ids }).await?;
    Ok(reply
        .users
        .into_iter()
        .map(|profile| {
            let user = User::from_profile(profile, &state.public_base_url);
            (user.id, user)
        })
        .collect())
}
