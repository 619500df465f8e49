//! Rebuilding lost hot state: the stored pairs plus the unpersisted events the hot state
//! already reflects (the others are applied by their own requests), newest event winning.

use std::collections::{HashMap, HashSet};

use contract::relation::{FollowEvent, PERSIST_CONSUMER, STREAM};
use mesh::batch::Versioned;

use crate::{State, error::RelationError, hot::Side, store};

pub async fn sets(state: &State, side: Side, users: &[i64]) -> Result<(), RelationError> {
    let wanted: HashSet<i64> = users.iter().copied().collect();
    let source = (STREAM, PERSIST_CONSUMER, "evt.relation.>");
    let events: Vec<(u64, FollowEvent)> =
        hotstate::reflected_tail(&state.js, state.hot.redis(), state.hot.applied(), source).await?;
    let mut pairs: HashMap<(i64, i64), Versioned> = store::pairs(&state.db, side, users)
        .await?
        .into_iter()
        .map(|(me, other, pair)| ((me, other), pair))
        .collect();
    for (seq, event) in events {
        let (me, other) = match side {
            Side::Out => (event.follower_id, event.followee_id),
            Side::In => (event.followee_id, event.follower_id),
        };
        if wanted.contains(&me) {
            pairs
                .entry((me, other))
                .or_default()
                .advance(seq, event.following, event.at_ms);
        }
    }
    let mut by_user: HashMap<i64, Vec<(i64, Versioned)>> =
        users.iter().map(|u| (*u, Vec::new())).collect();
    for ((me, other), pair) in pairs {
        by_user.entry(me).or_default().push((other, pair));
    }
    for (user, members) in by_user {
        state.hot.load(side, user, &members).await?;
    }
    Ok(())
}
