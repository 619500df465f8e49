//! Hot state in Redis, updated before each reply (read-your-writes), as `hotstate` set
//! groups (pairs with their own sequences), all of one user's in one hash-tagged group
//! `rel:{u<id>}:…` (one cluster slot):
//! - `…:o` sorted set of whom the user follows, by time, and `…:os` its pair sequences;
//! - `…:i` sorted set of who follows the user, and `…:is` its pair sequences.
//!
//! Both of a user's sides share the tag so that the friend list (follows that follow back)
//! is one script on one slot. An event touches two groups — the follower's out side and the
//! followee's in side — with one script each, sent in one pipeline; each side applies it
//! only if newer than that pair's last event there, so the sides are exact on their own and
//! no record of applied events is needed. Counts are set sizes, so they cannot drift.

use contract::relation::FollowEvent;
use fred::prelude::Client;
use hotstate::{Call, Group, Script, Staged, pairs, script::RedisResult};
use mesh::batch::Versioned;

/// KEYS: one set, or a user's out and in sets. {'missing'} or {'ok', the newest 1000
/// members of the first, newest first, and with a second key only those also in it}.
static LIST: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
for _, key in ipairs(KEYS) do if redis.call('exists', key) == 0 then return {'missing'} end end
local ids = redis.call('zrevrangebyscore', KEYS[1], '+inf', '(0', 'LIMIT', 0, 1000)
local out = {'ok'}
for _, id in ipairs(ids) do
  if not KEYS[2] or redis.call('zscore', KEYS[2], id) then out[#out + 1] = id end
end
return out",
    )
});

/// One of a user's two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Whom the user follows.
    Out,
    /// Who follows the user.
    In,
}

impl Side {
    /// The user whose side an event touches, and the member it adds or removes there.
    pub fn of(self, event: &FollowEvent) -> (i64, i64) {
        match self {
            Side::Out => (event.follower_id, event.followee_id),
            Side::In => (event.followee_id, event.follower_id),
        }
    }
}

/// Counts and flags of one stats read; `None` where a side is not loaded.
pub struct Stats {
    pub follows: Vec<Option<i64>>,
    pub followers: Vec<Option<i64>>,
    /// Whether the viewer follows each user; `None` when the viewer's side is not loaded.
    pub viewer_follows: Option<Vec<bool>>,
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

    /// The side's set and its sequences hash.
    pub fn keys(&self, side: Side, user: i64) -> (String, String) {
        let group = Group::new(&self.prefix, "rel", "u", user);
        match side {
            Side::Out => (group.key("o"), group.key("os")),
            Side::In => (group.key("i"), group.key("is")),
        }
    }

    pub fn set(&self, side: Side, user: i64) -> String {
        self.keys(side, user).0
    }

    /// The script call that applies `event` (stream sequence `seq`) to `side`.
    pub fn call(&self, side: Side, seq: u64, event: &FollowEvent) -> Call<'static> {
        let (user, member) = side.of(event);
        let (set, seqs) = self.keys(side, user);
        let state = Versioned {
            on: event.following,
            seq,
            at_ms: event.at_ms,
        };
        pairs::set_call(set, seqs, member.to_string(), &state)
    }

    /// Applies the event to both sides in one round trip: per side (out, in), whether it
    /// was loaded.
    pub async fn apply(&self, seq: u64, event: &FollowEvent) -> RedisResult<Vec<bool>> {
        let calls = [Side::Out, Side::In].map(|side| self.call(side, seq, event));
        pairs::apply_all(&self.redis, &calls).await
    }

    /// Applies the event to one side (after it was rebuilt); whether it was loaded.
    pub async fn apply_side(&self, side: Side, seq: u64, event: &FollowEvent) -> RedisResult<bool> {
        let calls = [self.call(side, seq, event)];
        Ok(pairs::apply_all(&self.redis, &calls).await?[0])
    }

    /// Both counts of each of `users` and whether `viewer` follows each. The two reads go
    /// out together on the client's connection: one round trip.
    pub async fn stats(&self, users: &[i64], viewer: Option<i64>) -> RedisResult<Stats> {
        let sets = users
            .iter()
            .flat_map(|user| [self.set(Side::Out, *user), self.set(Side::In, *user)])
            .collect();
        let flags = async {
            match viewer {
                Some(viewer) => {
                    let ids = users.iter().map(i64::to_string).collect();
                    pairs::members(&self.redis, self.set(Side::Out, viewer), ids).await
                }
                None => Ok(None),
            }
        };
        let (sizes, viewer_follows) = tokio::try_join!(pairs::set_sizes(&self.redis, sets), flags)?;
        Ok(Stats {
            follows: sizes.iter().step_by(2).copied().collect(),
            followers: sizes.iter().skip(1).step_by(2).copied().collect(),
            viewer_follows,
        })
    }

    /// Members of `keys[0]` (and of `keys[1]` if given), newest first; `None` if not loaded.
    pub async fn list(&self, keys: Vec<String>) -> RedisResult<Option<Vec<i64>>> {
        let values: Vec<String> = LIST.run(&self.redis, keys, Vec::new()).await?;
        if values.first().map(String::as_str) != Some("ok") {
            return Ok(None);
        }
        Ok(Some(
            values[1..].iter().filter_map(|v| v.parse().ok()).collect(),
        ))
    }

    /// The keys of a rebuilt side with their content (each member with its latest state).
    pub fn stage(&self, (side, user): (Side, i64), members: &[(i64, Versioned)]) -> Vec<Staged> {
        let (set, seqs) = self.keys(side, user);
        let members: Vec<(String, Versioned)> = members
            .iter()
            .map(|(member, state)| (member.to_string(), *state))
            .collect();
        pairs::stage_set(set, seqs, &members)
    }

    /// Installs a rebuilt side (each member with its latest state) unless it is present;
    /// a side with no pairs at all of a user not known to `exist` is a negative entry that
    /// expires.
    pub async fn install(
        &self,
        settings: &settings::HotSettings,
        key: (Side, i64),
        members: &[(i64, Versioned)],
        exists: bool,
    ) -> RedisResult<()> {
        let expires = members.is_empty() && !exists;
        let staged = self.stage(key, members);
        hotstate::install(&self.redis, settings, staged, expires).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_of_a_user_share_one_slot() {
        let hot = Hot {
            redis: Client::default(),
            prefix: "gt:".into(),
        };
        let (out, out_seqs) = hot.keys(Side::Out, 42);
        let (into, in_seqs) = hot.keys(Side::In, 42);
        assert_eq!(
            [&out, &out_seqs, &into, &in_seqs],
            [
                "gt:rel:{u42}:o",
                "gt:rel:{u42}:os",
                "gt:rel:{u42}:i",
                "gt:rel:{u42}:is"
            ]
        );
        let slots: Vec<u16> = [out, out_seqs, into, in_seqs]
            .iter()
            .map(|key| hotstate::keys::slot(key))
            .collect();
        assert!(slots.iter().all(|slot| *slot == slots[0]), "{slots:?}");
    }
}
