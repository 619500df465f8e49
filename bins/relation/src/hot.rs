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

use contract::relation::{FollowEvent, ListCursor};
use fred::prelude::Client;
use hotstate::{Call, Group, Script, Staged, pairs, script::RedisResult};
use mesh::batch::Versioned;

/// One page of a side, newest first. KEYS: one set, or a user's out and in sets (friends:
/// the out-set's members also in the in-set). ARGV: the cursor's score and member ('' and ''
/// for the newest), how many entries to find, most members to walk. {'missing'} or {'ok',
/// 'end' | 'more', last walked score, last walked member, then member, score pairs}: 'more'
/// means the walk stopped (page full or walk limit) where the set goes on, and the last
/// walked entry is where a next call resumes.
static PAGE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
for _, key in ipairs(KEYS) do if redis.call('exists', key) == 0 then return {'missing'} end end
local set, s, m = KEYS[1], ARGV[1], ARGV[2]
local want, budget = tonumber(ARGV[3]), tonumber(ARGV[4])
-- The rank after the cursor: exact if its member is still there at its score; otherwise
-- everything newer, plus its millisecond's members it precedes (reverse member order).
local rank = 0
if s ~= '' then
  local at = redis.call('zscore', set, m)
  if at and tonumber(at) == tonumber(s) then
    rank = redis.call('zrevrank', set, m) + 1
  else
    rank = redis.call('zcount', set, '(' .. s, '+inf')
    for _, tie in ipairs(redis.call('zrangebyscore', set, s, s)) do
      if tie >= m then rank = rank + 1 end
    end
  end
end
local out, found, walked = {'ok', 'end', s, m}, 0, 0
while found < want and walked < budget do
  local chunk = redis.call('zrevrange', set, rank, rank + math.min(1000, budget - walked) - 1, 'WITHSCORES')
  if #chunk == 0 then return out end
  for i = 1, #chunk, 2 do
    local id, at = chunk[i], chunk[i + 1]
    -- The marker sits at score 0, after every member.
    if tonumber(at) <= 0 then out[2] = 'end' return out end
    walked, rank = walked + 1, rank + 1
    out[3], out[4] = at, id
    if not KEYS[2] or redis.call('zscore', KEYS[2], id) then
      out[#out + 1] = id
      out[#out + 1] = at
      found = found + 1
      if found == want then break end
    end
  end
end
out[2] = 'more'
return out",
    )
});

/// A call of [`Hot::page`]: where to start, how many to find, most members to walk.
pub struct PageCall {
    pub after: Option<ListCursor>,
    pub want: usize,
    pub walk_max: usize,
}

/// What one [`Hot::page`] call found: members with their follow times, newest first, and
/// where the walk stopped if the side goes on past it.
pub struct Page {
    pub found: Vec<(i64, i64)>,
    pub resume: Option<ListCursor>,
}

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

    /// Members of `keys[0]` (and of `keys[1]` if given) after `call.after`, newest first;
    /// `None` if not loaded.
    pub async fn page(&self, keys: Vec<String>, call: &PageCall) -> RedisResult<Option<Page>> {
        let (score, member) = match call.after {
            Some(cursor) => (cursor.at_ms.to_string(), cursor.user_id.to_string()),
            None => (String::new(), String::new()),
        };
        let args = vec![
            score,
            member,
            call.want.to_string(),
            call.walk_max.max(1).to_string(),
        ];
        let values: Vec<String> = PAGE.run(&self.redis, keys, args).await?;
        if values.first().map(String::as_str) != Some("ok") || values.len() < 4 {
            return Ok(None);
        }
        let resume = match values[1].as_str() {
            "more" => cursor(&values[3], &values[2]),
            _ => None,
        };
        let found = values[4..]
            .chunks_exact(2)
            .filter_map(|pair| Some((pair[0].parse().ok()?, score_ms(&pair[1])?)))
            .collect();
        Ok(Some(Page { found, resume }))
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

    /// A rebuilt side (each member with its latest state), to install unless present; a
    /// side with no pairs at all of a user not known to `exist` is a negative entry that
    /// expires.
    pub fn rebuilt(
        &self,
        key: (Side, i64),
        members: &[(i64, Versioned)],
        exists: bool,
    ) -> hotstate::Rebuilt {
        hotstate::Rebuilt {
            expires: members.is_empty() && !exists,
            keys: self.stage(key, members),
        }
    }
}

/// A Redis score as milliseconds (scores are whole milliseconds, written as integers).
fn score_ms(score: &str) -> Option<i64> {
    score.parse::<f64>().ok().map(|ms| ms as i64)
}

fn cursor(member: &str, score: &str) -> Option<ListCursor> {
    Some(ListCursor {
        at_ms: score_ms(score)?,
        user_id: member.parse().ok()?,
    })
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
