//! `user.v1.get`: profiles of many users in one request (one SQL statement); unknown ids
//! are left out, and the caller decides whether that is a 404. Profiles come from memory
//! or Redis when held there (`profiles.rs`), from MySQL otherwise.

use std::sync::Arc;

use contract::user::{GetUsers, Users};

use crate::{State, error::UserError};

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
    let users = state.profiles.get(&state.db, &ids).await?;
    Ok(Users { users })
}
