//! `relation.v1.list`: follows, followers or friends (mutual follows), most recent first.

use std::sync::Arc;

use contract::relation::{ListKind, ListRelations, UserIds};

use crate::{State, error::RelationError, hot::Side, rebuild};

pub async fn handle(state: Arc<State>, request: ListRelations) -> Result<UserIds, RelationError> {
    let user = request.user_id;
    // Friends are the newest follows that follow back: both sides of one user, one slot.
    let sides: &[Side] = match request.kind {
        ListKind::Follows => &[Side::Out],
        ListKind::Followers => &[Side::In],
        ListKind::Friends => &[Side::Out, Side::In],
    };
    let keys = || {
        sides
            .iter()
            .map(|side| state.hot.set(*side, user))
            .collect()
    };
    for _ in 0..2 {
        if let Some(user_ids) = state.hot.list(keys()).await? {
            return Ok(UserIds { user_ids });
        }
        let lost: Vec<(Side, i64)> = sides.iter().map(|side| (*side, user)).collect();
        rebuild::sides(&state, &lost).await?;
    }
    // Loaded twice and missing twice (Redis evicting or flushing under us): not "no one".
    Err(RelationError::HotStateLost)
}
