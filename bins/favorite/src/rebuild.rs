//! Rebuilding lost hot state (Redis flushed or restarted): what MySQL holds plus the events
//! the persistence consumer has not written yet, combined with the same rule the consumer
//! applies — so the rebuilt counts and lists are exactly right, not approximately.

use std::collections::{HashMap, HashSet};

use contract::favorite::{FavoriteEvent, PERSIST_CONSUMER, STREAM};

use crate::{
    State,
    error::FavoriteError,
    state::PairState,
    store::{self, CountBy},
};

/// The unpersisted events the hot state reflects (see `hotstate`).
async fn tail(state: &State) -> Result<Vec<(u64, FavoriteEvent)>, FavoriteError> {
    let source = (STREAM, PERSIST_CONSUMER, "evt.favorite.>");
    Ok(hotstate::reflected_tail(&state.js, state.hot.redis(), state.hot.applied(), source).await?)
}

/// Reloads the liked sets of `users`.
pub async fn users(state: &State, users: &[i64]) -> Result<(), FavoriteError> {
    let wanted: HashSet<i64> = users.iter().copied().collect();
    let tail = tail(state).await?;
    let mut pairs: HashMap<(i64, i64), PairState> = store::user_pairs(&state.db, users)
        .await?
        .into_iter()
        .map(|(user, video, pair)| ((user, video), pair))
        .collect();
    for (seq, event) in tail.iter().filter(|(_, e)| wanted.contains(&e.user_id)) {
        pairs
            .entry((event.user_id, event.video_id))
            .or_default()
            .advance(*seq, event);
    }
    let mut by_user: HashMap<i64, Vec<(i64, PairState)>> =
        users.iter().map(|u| (*u, Vec::new())).collect();
    for ((user, video), pair) in pairs {
        by_user.entry(user).or_default().push((video, pair));
    }
    for (user, pairs) in by_user {
        state.hot.load_user(user, &pairs).await?;
    }
    Ok(())
}

/// Reloads the like counts of videos (or authors) `ids`.
pub async fn counts(state: &State, by: CountBy, ids: &[i64]) -> Result<(), FavoriteError> {
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    let key_of = |event: &FavoriteEvent| match by {
        CountBy::Video => event.video_id,
        CountBy::Author => event.author_id,
    };
    let tail: Vec<(u64, FavoriteEvent)> = tail(state)
        .await?
        .into_iter()
        .filter(|(_, e)| wanted.contains(&key_of(e)))
        .collect();
    // Counts and pair states from one snapshot: a batch committed between two separate
    // reads would be in one and not the other.
    let mut snapshot = state.db.begin().await?;
    let stored = store::like_counts(&mut snapshot, by, ids).await?;
    let pair_keys: Vec<(i64, i64)> = tail
        .iter()
        .map(|(_, e)| (e.user_id, e.video_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let before = store::pairs(&mut snapshot, &pair_keys).await?;
    snapshot.commit().await?;
    let delta = count_delta(&before, &tail, key_of);
    let keys = ids.iter().map(|id| match by {
        CountBy::Video => state.hot.video_count(*id),
        CountBy::Author => state.hot.author_count(*id),
    });
    let counts = ids
        .iter()
        .map(|id| stored.get(id).copied().unwrap_or(0) + delta.get(id).copied().unwrap_or(0))
        .collect();
    state.hot.load_counts(keys.collect(), counts).await?;
    Ok(())
}

/// How much the unpersisted `tail` changes each key's like count over the stored pairs.
fn count_delta(
    before: &HashMap<(i64, i64), PairState>,
    tail: &[(u64, FavoriteEvent)],
    key_of: impl Fn(&FavoriteEvent) -> i64,
) -> HashMap<i64, i64> {
    let mut after: HashMap<(i64, i64), (PairState, i64)> = HashMap::new();
    for (seq, event) in tail {
        let pair = (event.user_id, event.video_id);
        let start = before.get(&pair).copied().unwrap_or_default();
        after
            .entry(pair)
            .or_insert((start, key_of(event)))
            .0
            .advance(*seq, event);
    }
    let mut delta = HashMap::new();
    for (pair, (state, key)) in after {
        let was = before.get(&pair).is_some_and(|p| p.liked);
        *delta.entry(key).or_insert(0) += i64::from(state.liked) - i64::from(was);
    }
    delta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(user: i64, liked: bool) -> FavoriteEvent {
        FavoriteEvent {
            user_id: user,
            video_id: 7,
            author_id: 9,
            liked,
            at_ms: 1,
        }
    }

    #[test]
    fn the_tail_adds_what_is_not_stored_and_skips_what_is() {
        // User 1's like is stored (seq 5) and replayed; user 2 liked then unliked; user 3
        // liked (unpersisted); user 4 unliked a stored like.
        let stored = |seq| PairState {
            liked: true,
            seq,
            liked_ms: 1,
        };
        let before = HashMap::from([((1, 7), stored(5)), ((4, 7), stored(2))]);
        let tail = vec![
            (5, event(1, true)),
            (6, event(2, true)),
            (7, event(3, true)),
            (8, event(2, false)),
            (9, event(4, false)),
        ];
        let delta = count_delta(&before, &tail, |e| e.video_id);
        assert_eq!(delta.get(&7), Some(&0), "+1 (user 3) -1 (user 4)");
    }

    #[test]
    fn the_tail_adds_each_new_like_and_takes_off_each_unlike_per_key() {
        // Users 2 and 3 liked video 7 (unpersisted); user 1's stored like of video 8 was undone.
        let before = HashMap::from([(
            (1, 8),
            PairState {
                liked: true,
                seq: 4,
                liked_ms: 1,
            },
        )]);
        let on = |user, video, liked| FavoriteEvent {
            video_id: video,
            ..event(user, liked)
        };
        let tail = vec![
            (5, on(2, 7, true)),
            (6, on(3, 7, true)),
            (7, on(1, 8, false)),
        ];
        let by_video = count_delta(&before, &tail, |e| e.video_id);
        assert_eq!(by_video, HashMap::from([(7, 2), (8, -1)]));
        let by_author = count_delta(&before, &tail, |e| e.author_id);
        assert_eq!(
            by_author,
            HashMap::from([(9, 1)]),
            "both videos are author 9's"
        );
    }
}
