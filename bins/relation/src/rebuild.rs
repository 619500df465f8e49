//! Rebuilding lost sides: the stored pairs plus the stream's unpersisted events of each
//! side from this instance's in-memory tail, newest event per pair winning (the rule the
//! consumer applies to MySQL), installed in chunks. Every unpersisted event is taken, not
//! only those some script applied already: each side keeps its own pair sequences, so a
//! request that applies its event after the rebuild finds it there and changes nothing.
//!
//! Concurrent misses of one side share one rebuild; a batch of misses (a stats request
//! for a page of users) is one MySQL query per side, within the rebuild bulkhead.

use std::{collections::HashMap, sync::Arc};

use contract::relation::FollowEvent;
use mesh::batch::Versioned;

use crate::{State, error::RelationError, hot::Side, store};

/// A side of a user: what the tail indexes and what one rebuild installs.
pub type SideKey = (Side, i64);

/// The sides an event touches (the tail's index).
pub fn sides_of(event: &FollowEvent) -> Vec<SideKey> {
    vec![
        (Side::Out, event.follower_id),
        (Side::In, event.followee_id),
    ]
}

/// Loads a new account's sides — whom it follows and who follows it, both empty — so reading them later needs
/// no MySQL (install-if-missing: sides a read already loaded stay as they are).
pub async fn new_user(state: Arc<State>, user_id: i64) -> Result<(), RelationError> {
    sides(&state, &[(Side::Out, user_id), (Side::In, user_id)]).await
}

/// Rebuilds `lost` (shared with rebuilds of the same sides already under way).
pub async fn sides(state: &Arc<State>, lost: &[SideKey]) -> Result<(), RelationError> {
    let owned = Arc::clone(state);
    state
        .rebuilds
        .run(lost, move |fresh| async move { build(&owned, fresh).await })
        .await
        .map_err(RelationError::Shared)
}

async fn build(state: &State, keys: Vec<SideKey>) -> Result<(), RelationError> {
    let pairs = truth(state, &keys).await?;
    let empty: Vec<i64> = pairs
        .iter()
        .filter(|(_, members)| members.is_empty())
        .map(|((_, user), _)| *user)
        .collect();
    // Empty sides of users that exist are kept (see `hotstate::install`).
    let existing = &state.caller.existing_users(&empty).await;
    let rebuilt = pairs
        .into_iter()
        .map(|(key, members)| {
            let members: Vec<(i64, Versioned)> = members.into_iter().collect();
            let exists = existing.contains(&key.1);
            state.hot.rebuilt(key, &members, exists)
        })
        .collect();
    hotstate::install_all(state.hot.redis(), &state.hot_settings, rebuilt).await?;
    Ok(())
}

/// Each of `keys`' sides, member by member, as MySQL plus the tail say: what a rebuild
/// installs and what the drift verifier compares Redis with.
pub(crate) async fn truth(
    state: &State,
    keys: &[SideKey],
) -> Result<HashMap<SideKey, HashMap<i64, Versioned>>, RelationError> {
    // The order `hotstate::tail` prescribes: pin, read MySQL, then the tail's events.
    let pin = state.tail.pin()?;
    let mut pairs: HashMap<SideKey, HashMap<i64, Versioned>> =
        keys.iter().map(|key| (*key, HashMap::new())).collect();
    for side in [Side::Out, Side::In] {
        let users: Vec<i64> = keys.iter().filter(|k| k.0 == side).map(|k| k.1).collect();
        for (user, other, pair) in store::pairs(&state.db, side, &users).await? {
            pairs.entry((side, user)).or_default().insert(other, pair);
        }
    }
    for (key, events) in pin.events(keys).await? {
        let members = pairs.entry(key).or_default();
        for (seq, event) in events {
            let (_, other) = key.0.of(&event);
            members
                .entry(other)
                .or_default()
                .advance(seq, event.following, event.at_ms);
        }
    }
    drop(pin);
    Ok(pairs)
}
