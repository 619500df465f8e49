//! `relation.v1.set`: follow or unfollow. Acknowledged once the event is in RELATIONS; the
//! hot state is updated before the reply, MySQL in the consumer's next batch.

use std::sync::Arc;

use contract::{
    relation::{FollowEvent, FollowSet, SetFollow, event_subject},
    user::GetUsers,
};

use crate::{State, error::RelationError, hot::Side, rebuild};

pub async fn handle(state: Arc<State>, request: SetFollow) -> Result<FollowSet, RelationError> {
    if request.follower_id == request.followee_id {
        return Err(RelationError::Invalid("you cannot follow yourself".into()));
    }
    if request.followee_id <= 0 {
        return Err(RelationError::Invalid(
            "to_user_id must be a positive id".into(),
        ));
    }
    let found = state
        .caller
        .call(&GetUsers {
            ids: vec![request.followee_id],
        })
        .await?;
    if found.users.is_empty() {
        return Err(RelationError::NoSuchUser);
    }
    let event = FollowEvent {
        follower_id: request.follower_id,
        followee_id: request.followee_id,
        following: request.following,
        at_ms: now_ms(),
    };
    // Loaded before the event exists, for the reason given in the favorite worker: loaded
    // later, one user's state could hold the event while the other's did not.
    ensure_loaded(&state, &event).await?;
    let subject = event_subject(event.follower_id, event.followee_id);
    let seq = mesh::events::publish(&state.js, subject, &event).await?;
    for _ in 0..3 {
        if state.hot.apply(seq, &event).await? >= 0 {
            return Ok(FollowSet { seq });
        }
        ensure_loaded(&state, &event).await?;
    }
    Err(RelationError::Stream("hot state keeps disappearing".into()))
}

async fn ensure_loaded(state: &State, event: &FollowEvent) -> Result<(), RelationError> {
    let [follower, followee, applied] = state
        .hot
        .loaded(event.follower_id, event.followee_id)
        .await?;
    // A rebuild also restores the applied-events record (it claims the unpersisted tail).
    if !follower || !applied {
        rebuild::sets(state, Side::Out, &[event.follower_id]).await?;
    }
    if !followee {
        rebuild::sets(state, Side::In, &[event.followee_id]).await?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
