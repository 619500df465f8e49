//! `relation.v1.list`: follows, followers or friends (mutual follows), most recent first.

use std::sync::Arc;

use contract::relation::{ListKind, ListRelations, UserIds};

use crate::{State, error::RelationError, hot::Side, rebuild};

pub async fn handle(state: Arc<State>, request: ListRelations) -> Result<UserIds, RelationError> {
    let user = request.user_id;
    let keys = || match request.kind {
        ListKind::Follows => vec![state.hot.set(Side::Out, user)],
        ListKind::Followers => vec![state.hot.set(Side::In, user)],
        ListKind::Friends => vec![
            state.hot.set(Side::Out, user),
            state.hot.set(Side::In, user),
        ],
    };
    for _ in 0..2 {
        if let Some(user_ids) = state.hot.list(keys()).await? {
            return Ok(UserIds { user_ids });
        }
        rebuild::sets(&state, Side::Out, &[user]).await?;
        rebuild::sets(&state, Side::In, &[user]).await?;
    }
    // Loaded twice and missing twice (Redis evicting or flushing under us): not "no one".
    Err(RelationError::HotStateLost)
}
