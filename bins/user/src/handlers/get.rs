//! `user.v1.get`: profiles of many users in one request (one SQL statement); unknown ids
//! are left out, and the caller decides whether that is a 404.

use std::sync::Arc;

use contract::user::{GetUsers, Profile, Users};

use crate::{State, error::UserError, store};

/// More ids than any page of the app shows; bounds the statement size.
const MAX_IDS: usize = 1_000;

pub async fn handle(state: Arc<State>, request: GetUsers) -> Result<Users, UserError> {
    let mut ids = request.ids;
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_IDS {
        return Err(UserError::Invalid(format!(
            "at most {MAX_IDS} ids per request"
        )));
    }
    let rows = store::profiles(&state.db, &ids).await?;
    let defaults = &state.profile_defaults;
    let users = rows
        .into_iter()
        .map(|row| Profile {
            id: row.id,
            name: row.username,
            avatar: row
                .avatar
                .unwrap_or_else(|| defaults.default_avatar.clone()),
            background_image: row
                .background_image
                .unwrap_or_else(|| defaults.default_background_image.clone()),
            signature: row
                .signature
                .unwrap_or_else(|| defaults.default_signature.clone()),
        })
        .collect();
    Ok(Users { users })
}
