//! Rebuilding lost hot state (Redis flushed, a key evicted, a negative entry expired): the
//! group's stored pairs plus its events in this instance's stream tail, merged with the
//! consumer's own rule (`PairState::advance`), so a rebuilt list or count is exact. The order
//! (pin the tail's floor → read MySQL → read the tail) is `hotstate::tail`'s; the cost is
//! what the rebuilt groups hold, never the stream's backlog.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use contract::favorite::FavoriteEvent;

use crate::{
    State,
    error::FavoriteError,
    hot::{FavKey, member, versioned},
    state::PairState,
    store::{self, PairsBy},
};

/// How often a request rebuilds what it found missing before it gives up (503): Redis
/// losing keys again and again, faster than they are rebuilt.
const ATTEMPTS: usize = 5;

/// Runs `read` (a read or an apply that names the groups it found missing), rebuilds those
/// and runs it again, until nothing is missing.
pub async fn read_through<T, Fut>(
    state: &Arc<State>,
    read: impl Fn() -> Fut,
) -> Result<T, FavoriteError>
where
    Fut: Future<Output = Result<(T, Vec<FavKey>), FavoriteError>>,
{
    for _ in 0..ATTEMPTS {
        let (value, missing) = read().await?;
        if missing.is_empty() {
            return Ok(value);
        }
        ensure(state, &missing).await?;
    }
    Err(FavoriteError::Hot(hotstate::HotError::Behind(
        "like keys keep disappearing".into(),
    )))
}

/// Loads a new account's groups — its likes and its videos' received likes, both empty — so reading them later needs
/// no MySQL (install-if-missing: groups a read already loaded stay as they are).
pub async fn new_user(state: Arc<State>, user_id: i64) -> Result<(), FavoriteError> {
    ensure(&state, &[FavKey::User(user_id), FavKey::Author(user_id)]).await
}

/// Rebuilds the groups `keys` (coalesced with rebuilds of them already under way).
pub(crate) async fn ensure(state: &Arc<State>, keys: &[FavKey]) -> Result<(), FavoriteError> {
    if keys.is_empty() {
        return Ok(());
    }
    let owned = Arc::clone(state);
    state
        .rebuilds
        .run(keys, move |keys| rebuild(owned, keys))
        .await
        .map_err(FavoriteError::Rebuild)
}

async fn rebuild(state: Arc<State>, keys: Vec<FavKey>) -> Result<(), FavoriteError> {
    let groups = truth(&state, &keys).await?;
    let empty: Vec<FavKey> = groups
        .iter()
        .filter(|(_, _, empty)| *empty)
        .map(|(key, _, _)| *key)
        .collect();
    let existing = existing(&state, &empty).await;
    let rebuilt = groups
        .into_iter()
        .map(|(key, keys, empty)| hotstate::Rebuilt {
            keys,
            expires: empty && !existing.contains(&key),
        })
        .collect();
    hotstate::install_all(state.hot.redis(), &state.hot_settings, rebuilt).await?;
    Ok(())
}

/// Each of `keys`' groups as MySQL plus the tail say it is (the order `hotstate::tail`
/// prescribes), staged, and whether it is empty (no rows, no events): what a rebuild
/// installs and what the drift verifier compares Redis with.
pub(crate) async fn truth(
    state: &State,
    keys: &[FavKey],
) -> Result<Vec<(FavKey, Vec<hotstate::Staged>, bool)>, FavoriteError> {
    let pin = state.tail.pin()?;
    let stored = stored_pairs(state, keys).await?;
    let tail = pin.events(keys).await?;
    drop(pin);
    Ok(keys
        .iter()
        .map(|key| {
            let rows = stored.get(key).map(Vec::as_slice).unwrap_or_default();
            let events = tail.get(key).map(Vec::as_slice).unwrap_or_default();
            let pairs = merge(*key, rows, events);
            let empty = rows.is_empty() && events.is_empty();
            (*key, state.hot.stage(*key, &pairs), empty)
        })
        .collect())
}

/// Which of the empty groups `keys` belong to a user or video that exists (those are kept;
/// the others expire): at most two lookups, answered from the caller's caches when warm.
async fn existing(state: &State, keys: &[FavKey]) -> HashSet<FavKey> {
    let ids = |of_users: bool| -> Vec<i64> {
        keys.iter()
            .filter_map(|key| match (key, of_users) {
                (FavKey::User(id) | FavKey::Author(id), true) | (FavKey::Video(id), false) => {
                    Some(*id)
                }
                _ => None,
            })
            .collect()
    };
    let (users, videos) = (ids(true), ids(false));
    let (users, videos) = tokio::join!(
        state.caller.existing_users(&users),
        state.caller.existing_videos(&videos)
    );
    keys.iter()
        .filter(|key| match key {
            FavKey::Video(id) => videos.contains(id),
            FavKey::User(id) | FavKey::Author(id) => users.contains(id),
        })
        .copied()
        .collect()
}

/// The stored pairs of each of `keys`' groups: one query per kind of group.
async fn stored_pairs(
    state: &State,
    keys: &[FavKey],
) -> Result<HashMap<FavKey, Vec<(i64, i64, PairState)>>, FavoriteError> {
    let mut out: HashMap<FavKey, Vec<(i64, i64, PairState)>> = HashMap::new();
    for by in [PairsBy::User, PairsBy::Video, PairsBy::Author] {
        let ids: Vec<i64> = keys.iter().filter_map(|key| id_of(*key, by)).collect();
        for pair in store::pairs(&state.db, by, &ids).await? {
            let key = match by {
                PairsBy::User => FavKey::User(pair.user),
                PairsBy::Video => FavKey::Video(pair.video),
                PairsBy::Author => FavKey::Author(pair.author),
            };
            out.entry(key)
                .or_default()
                .push((pair.user, pair.video, pair.state));
        }
    }
    Ok(out)
}

fn id_of(key: FavKey, by: PairsBy) -> Option<i64> {
    match (key, by) {
        (FavKey::User(id), PairsBy::User)
        | (FavKey::Video(id), PairsBy::Video)
        | (FavKey::Author(id), PairsBy::Author) => Some(id),
        _ => None,
    }
}

/// The group's pairs: stored rows advanced by the tail's events, newest event winning.
fn merge(
    key: FavKey,
    rows: &[(i64, i64, PairState)],
    events: &[(u64, Arc<FavoriteEvent>)],
) -> Vec<(String, mesh::batch::Versioned)> {
    let mut pairs: HashMap<(i64, i64), PairState> = rows
        .iter()
        .map(|(user, video, state)| ((*user, *video), *state))
        .collect();
    for (seq, event) in events {
        pairs
            .entry((event.user_id, event.video_id))
            .or_default()
            .advance(*seq, event);
    }
    pairs
        .into_iter()
        .map(|((user, video), state)| (member(key, user, video), versioned(&state)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(user: i64, video: i64, liked: bool) -> Arc<FavoriteEvent> {
        Arc::new(FavoriteEvent {
            user_id: user,
            video_id: video,
            author_id: 9,
            liked,
            at_ms: 1,
        })
    }

    fn on(pairs: &[(String, mesh::batch::Versioned)]) -> Vec<String> {
        let mut on: Vec<String> = pairs
            .iter()
            .filter(|(_, state)| state.on)
            .map(|(member, _)| member.clone())
            .collect();
        on.sort();
        on
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
        let rows = [(1, 7, stored(5)), (4, 7, stored(2))];
        let tail = [
            (5, event(1, 7, true)),
            (6, event(2, 7, true)),
            (7, event(3, 7, true)),
            (8, event(2, 7, false)),
            (9, event(4, 7, false)),
        ];
        let pairs = merge(FavKey::Video(7), &rows, &tail);
        assert_eq!(on(&pairs), ["1", "3"]);
        assert_eq!(pairs.len(), 4, "unliked pairs keep their sequence");
    }

    #[test]
    fn an_author_group_counts_each_pair_of_each_video() {
        let tail = [
            (5, event(2, 7, true)),
            (6, event(3, 7, true)),
            (7, event(2, 8, true)),
        ];
        let pairs = merge(FavKey::Author(9), &[], &tail);
        assert_eq!(on(&pairs), ["2:7", "2:8", "3:7"]);
    }
}
