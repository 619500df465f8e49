//! Hot state in Redis, updated before each reply so the next read shows the write. Three
//! key groups per like, each in its own hash slot (see `hotstate`):
//! - user `fav:{u<user>}:set` (liked videos by like time) + `fav:{u<user>}:seq` (video →
//!   ±sequence of the pair's last event): the liked list, the liked count, "did I like it";
//! - video `fav:{v<video>}:p` and author `fav:{a<author>}:p`: `_n` (the like count) plus
//!   user (or `user:video`) → ±sequence.
//!
//! A like is one pipeline of three scripts, one per group; each applies the event only if
//! it is newer than the pair's last one there, so the groups agree with MySQL whatever the
//! order, repetition or loss of any one of them. A missing group is never guessed: the
//! caller rebuilds it (`rebuild.rs`) and applies again.

use contract::favorite::FavoriteEvent;
use fred::prelude::Client;
use hotstate::{Group, pairs};
use mesh::batch::Versioned;

use crate::state::PairState;

pub type RedisResult<T> = Result<T, fred::error::Error>;

/// The key groups a like touches (what the tail indexes events under, too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FavKey {
    User(i64),
    Video(i64),
    Author(i64),
}

/// The groups `event` belongs to.
pub fn keys_of(event: &FavoriteEvent) -> Vec<FavKey> {
    vec![
        FavKey::User(event.user_id),
        FavKey::Video(event.video_id),
        FavKey::Author(event.author_id),
    ]
}

/// The member a pair is stored under in `key`'s group.
pub fn member(key: FavKey, user: i64, video: i64) -> String {
    match key {
        FavKey::User(_) => video.to_string(),
        FavKey::Video(_) => user.to_string(),
        FavKey::Author(_) => format!("{user}:{video}"),
    }
}

pub fn versioned(pair: &PairState) -> Versioned {
    Versioned {
        on: pair.liked,
        seq: pair.seq,
        at_ms: pair.liked_ms,
    }
}

#[derive(Clone)]
pub struct Hot {
    redis: Client,
    prefix: String,
}

impl Hot {
    pub fn new(redis: Client, prefix: &str) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
        }
    }

    pub fn redis(&self) -> &Client {
        &self.redis
    }

    fn group(&self, key: FavKey) -> Group {
        let (tag, id) = match key {
            FavKey::User(id) => ("u", id),
            FavKey::Video(id) => ("v", id),
            FavKey::Author(id) => ("a", id),
        };
        Group::new(&self.prefix, "fav", tag, id)
    }

    /// The keys of `key`'s group: [set, seqs] for a user, [pairs] for a video or author.
    pub fn keys(&self, key: FavKey) -> Vec<String> {
        let group = self.group(key);
        match key {
            FavKey::User(_) => vec![group.key("set"), group.key("seq")],
            FavKey::Video(_) | FavKey::Author(_) => vec![group.key("p")],
        }
    }

    fn set(&self, user: i64) -> String {
        self.group(FavKey::User(user)).key("set")
    }

    fn count_key(&self, key: FavKey) -> String {
        self.group(key).key("p")
    }

    /// The three script calls that apply `event` (stream sequence `seq`), one per group,
    /// in the order of `keys_of`.
    pub fn calls(&self, seq: u64, event: &FavoriteEvent) -> Vec<hotstate::Call<'static>> {
        let state = Versioned {
            on: event.liked,
            seq,
            at_ms: event.at_ms,
        };
        keys_of(event)
            .iter()
            .map(|key| {
                let member = member(*key, event.user_id, event.video_id);
                match key {
                    FavKey::User(user) => {
                        let [set, seqs] = [self.set(*user), self.keys(*key).swap_remove(1)];
                        pairs::set_call(set, seqs, member, &state)
                    }
                    _ => pairs::count_call(self.count_key(*key), member, &state),
                }
            })
            .collect()
    }

    /// Applies `event` to its three groups in one pipeline; the groups that were missing.
    pub async fn apply(&self, seq: u64, event: &FavoriteEvent) -> RedisResult<Vec<FavKey>> {
        let loaded = pairs::apply_all(&self.redis, &self.calls(seq, event)).await?;
        Ok(keys_of(event)
            .into_iter()
            .zip(loaded)
            .filter(|(_, loaded)| !loaded)
            .map(|(key, _)| key)
            .collect())
    }

    /// Like counts of `keys` (videos or authors); `None` where not loaded.
    pub async fn counts(&self, keys: &[FavKey]) -> RedisResult<Vec<Option<i64>>> {
        let hashes = keys.iter().map(|key| self.count_key(*key)).collect();
        pairs::counts(&self.redis, hashes).await
    }

    /// How many videos each user liked; `None` where the user is not loaded.
    pub async fn liked_counts(&self, users: &[i64]) -> RedisResult<Vec<Option<i64>>> {
        let sets = users.iter().map(|user| self.set(*user)).collect();
        pairs::set_sizes(&self.redis, sets).await
    }

    /// Whether `user` liked each of `videos`; `None` when the user is not loaded.
    pub async fn liked(&self, user: i64, videos: &[i64]) -> RedisResult<Option<Vec<bool>>> {
        let members = videos.iter().map(i64::to_string).collect();
        pairs::members(&self.redis, self.set(user), members).await
    }

    /// The user's newest 1000 liked videos, newest first; `None` when not loaded.
    pub async fn list(&self, user: i64) -> RedisResult<Option<Vec<i64>>> {
        let ids = pairs::newest(&self.redis, self.set(user), 1000).await?;
        Ok(ids.map(|ids| ids.iter().filter_map(|id| id.parse().ok()).collect()))
    }

    /// The staged keys of `key`'s group rebuilt from `pairs` (member → latest state).
    pub fn stage(&self, key: FavKey, pairs: &[(String, Versioned)]) -> Vec<hotstate::Staged> {
        let mut keys = self.keys(key);
        match key {
            FavKey::User(_) => {
                let seqs = keys.swap_remove(1);
                pairs::stage_set(keys.swap_remove(0), seqs, pairs)
            }
            _ => vec![pairs::stage_count(keys.swap_remove(0), pairs)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_a_group_is_in_one_slot_and_groups_differ() {
        let hot = Hot::new(Client::default(), "t:");
        assert_eq!(
            hot.keys(FavKey::User(5)),
            ["t:fav:{u5}:set", "t:fav:{u5}:seq"]
        );
        assert_eq!(hot.keys(FavKey::Author(5)), ["t:fav:{a5}:p"]);
        for key in [FavKey::User(5), FavKey::Video(5), FavKey::Author(5)] {
            let slots: Vec<u16> = hot
                .keys(key)
                .iter()
                .map(|k| hotstate::keys::slot(k))
                .collect();
            assert!(slots.iter().all(|s| *s == slots[0]), "{key:?}: {slots:?}");
        }
        let tag = |key| hotstate::keys::hash_tag(&hot.keys(key)[0]).to_owned();
        assert_ne!(tag(FavKey::User(5)), tag(FavKey::Video(5)));
    }
}
