//! `relation.v1.set`: follow or unfollow. Acknowledged once the event is in RELATIONS; the
//! hot state of both users is updated before the reply, MySQL in the consumer's next batch.

use std::sync::Arc;

use contract::relation::{FollowEvent, FollowSet, SetFollow, event_subject};

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
    // From the facts cache: a user is never edited or deleted, so a follow of a known user
    // is taken while the user service (and MySQL behind it) is down.
    let found = state.caller.profiles(&[request.followee_id]).await?;
    if !found.contains_key(&request.followee_id) {
        return Err(RelationError::NoSuchUser);
    }
    let event = FollowEvent {
        follower_id: request.follower_id,
        followee_id: request.followee_id,
        following: request.following,
        at_ms: now_ms(),
    };
    let subject = event_subject(event.follower_id, event.followee_id);
    // No message id: following twice is the same state as once, so a retried write needs no dedupe.
    let seq = mesh::events::publish(&state.js, subject, &event, None)
        .await?
        .sequence;
    // Both sides in one round trip. A side that is not loaded is rebuilt with this event in
    // it (the rebuild waits for the tail to hold it): each side keeps its own pair
    // sequences, so it does not matter whether the other side had it already.
    let applied = state.hot.apply(seq, &event).await?;
    for (side, loaded) in [Side::Out, Side::In].into_iter().zip(applied) {
        if !loaded {
            apply_rebuilt(&state, side, seq, &event).await?;
        }
    }
    Ok(FollowSet { seq })
}

async fn apply_rebuilt(
    state: &Arc<State>,
    side: Side,
    seq: u64,
    event: &FollowEvent,
) -> Result<(), RelationError> {
    let (user, _) = side.of(event);
    for _ in 0..3 {
        rebuild::sides(state, &[(side, user)]).await?;
        if state.hot.apply_side(side, seq, event).await? {
            return Ok(());
        }
    }
    Err(RelationError::Stream("hot state keeps disappearing".into()))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
