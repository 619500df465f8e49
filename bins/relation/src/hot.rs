//! Hot state in Redis, updated before each reply (read-your-writes):
//! - `rel:o:<user>` sorted set of whom the user follows, by time; `rel:i:<user>` of who
//!   follows the user; each with a `_` marker (score 0) that says "loaded";
//! - `rel:s:<user>` hash followee → stream sequence of the last applied event (plus `_`);
//! - `rel:applied` sequences of unpersisted events already reflected here.
//!
//! Counts are set sizes, so they cannot drift. One Lua script per event applies it once and
//! only if newer than the pair's last event, to both users' sets at once.

use contract::relation::FollowEvent;
use fred::prelude::{Client, LuaInterface};
use mesh::batch::Versioned;

/// The update script: all keys present, the event not applied yet (see `hotstate`), then
/// the newer-sequence-wins update.
static APPLY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let exists = "for i = 1, 4 do if redis.call('exists', KEYS[i]) == 0 then return -1 end end\n";
    let update = r"
local last = tonumber(redis.call('hget', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[5]) <= last then return 0 end
redis.call('hset', KEYS[2], ARGV[1], ARGV[5])
if ARGV[3] == '1' then
  redis.call('zadd', KEYS[1], ARGV[4], ARGV[1])
  redis.call('zadd', KEYS[3], ARGV[4], ARGV[2])
else
  redis.call('zrem', KEYS[1], ARGV[1])
  redis.call('zrem', KEYS[3], ARGV[2])
end
return 1";
    format!("{exists}{}{update}", hotstate::apply_once_lua(4, 5))
});

/// KEYS: a set (and optionally its sequence hash); ARGV: (member, on, at_ms, seq)…
const LOAD: &str = r"
local present = redis.call('exists', KEYS[1]) == 1 and (not KEYS[2] or redis.call('exists', KEYS[2]) == 1)
if present then return 0 end
redis.call('del', KEYS[1])
redis.call('zadd', KEYS[1], 0, '_')
if KEYS[2] then redis.call('del', KEYS[2]); redis.call('hset', KEYS[2], '_', 0) end
for i = 1, #ARGV, 4 do
  if KEYS[2] then redis.call('hset', KEYS[2], ARGV[i], ARGV[i + 3]) end
  if ARGV[i + 1] == '1' then redis.call('zadd', KEYS[1], ARGV[i + 2], ARGV[i]) end
end
return 1";

/// 1 per key that exists, else 0.
const LOADED: &str = r"
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('exists', key) end
return out";

/// -1 per missing set, else its size without the marker.
const SIZES: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then out[i] = redis.call('zcard', key) - 1 else out[i] = -1 end
end
return out";

/// {-1} if the set is missing, else 1/0 per asked member.
const MEMBERS: &str = r"
if redis.call('exists', KEYS[1]) == 0 then return {-1} end
local out = {}
for i, v in ipairs(ARGV) do out[i] = redis.call('zscore', KEYS[1], v) and 1 or 0 end
return out";

/// {'missing'} or {'ok', the newest 1000 members, newest first}; with a second key, only
/// those also in it.
const LIST: &str = r"
for _, key in ipairs(KEYS) do if redis.call('exists', key) == 0 then return {'missing'} end end
local ids = redis.call('zrevrangebyscore', KEYS[1], '+inf', '(0', 'LIMIT', 0, 1000)
local out = {'ok'}
for _, id in ipairs(ids) do
  if not KEYS[2] or redis.call('zscore', KEYS[2], id) then out[#out + 1] = id end
end
return out";

pub type RedisResult<T> = Result<T, fred::error::Error>;

#[derive(Clone)]
pub struct Hot {
    redis: Client,
    prefix: String,
}

/// One of a user's two sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Whom the user follows.
    Out,
    /// Who follows the user.
    In,
}

impl Hot {
    pub fn new(redis: Client, prefix: &str) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
        }
    }

    pub fn set(&self, side: Side, user: i64) -> String {
        let kind = match side {
            Side::Out => "o",
            Side::In => "i",
        };
        format!("{}rel:{kind}:{user}", self.prefix)
    }
    fn seqs(&self, user: i64) -> String {
        format!("{}rel:s:{user}", self.prefix)
    }
    pub fn applied(&self) -> String {
        hotstate::applied_key(&self.prefix, "rel")
    }

    /// Whether the follower's state (set and sequences), the followee's follower set and the
    /// applied-events record are present.
    pub async fn loaded(&self, follower: i64, followee: i64) -> RedisResult<[bool; 3]> {
        let keys = vec![
            self.set(Side::Out, follower),
            self.seqs(follower),
            self.set(Side::In, followee),
            self.applied(),
        ];
        let flags: Vec<i64> = self.redis.eval(LOADED, keys, Vec::<String>::new()).await?;
        let has = |i: usize| flags.get(i) == Some(&1);
        Ok([has(0) && has(1), has(2), has(3)])
    }

    /// -1: not loaded; 0: nothing to do; 1: applied.
    pub async fn apply(&self, seq: u64, event: &FollowEvent) -> RedisResult<i64> {
        let keys = vec![
            self.set(Side::Out, event.follower_id),
            self.seqs(event.follower_id),
            self.set(Side::In, event.followee_id),
            self.applied(),
        ];
        let args = vec![
            event.followee_id.to_string(),
            event.follower_id.to_string(),
            if event.following { "1" } else { "0" }.to_owned(),
            event.at_ms.max(1).to_string(),
            seq.to_string(),
        ];
        self.redis.eval(APPLY.as_str(), keys, args).await
    }

    pub fn redis(&self) -> &Client {
        &self.redis
    }

    /// Installs a rebuilt set (members with their latest state) unless present.
    pub async fn load(
        &self,
        side: Side,
        user: i64,
        members: &[(i64, Versioned)],
    ) -> RedisResult<()> {
        let mut keys = vec![self.set(side, user)];
        if side == Side::Out {
            keys.push(self.seqs(user));
        }
        let mut args = Vec::with_capacity(members.len() * 4);
        for (member, state) in members {
            args.push(member.to_string());
            args.push(if state.on { "1" } else { "0" }.to_owned());
            args.push(state.at_ms.max(1).to_string());
            args.push(state.seq.to_string());
        }
        let _: i64 = self.redis.eval(LOAD, keys, args).await?;
        Ok(())
    }

    /// Set sizes for `users` on `side`; `None` where not loaded.
    pub async fn sizes(&self, side: Side, users: &[i64]) -> RedisResult<Vec<Option<i64>>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = users.iter().map(|u| self.set(side, *u)).collect();
        let values: Vec<i64> = self.redis.eval(SIZES, keys, Vec::<String>::new()).await?;
        Ok(values.into_iter().map(|v| (v >= 0).then_some(v)).collect())
    }

    /// Whether `user` follows each of `others`; `None` when not loaded.
    pub async fn follows(&self, user: i64, others: &[i64]) -> RedisResult<Option<Vec<bool>>> {
        let args: Vec<String> = others.iter().map(i64::to_string).collect();
        let values: Vec<i64> = self
            .redis
            .eval(MEMBERS, vec![self.set(Side::Out, user)], args)
            .await?;
        if values.first() == Some(&-1) {
            return Ok(None);
        }
        Ok(Some(values.into_iter().map(|v| v == 1).collect()))
    }

    /// Members of `keys[0]` (and of `keys[1]` if given), newest first; `None` if not loaded.
    pub async fn list(&self, keys: Vec<String>) -> RedisResult<Option<Vec<i64>>> {
        let values: Vec<String> = self.redis.eval(LIST, keys, Vec::<String>::new()).await?;
        if values.first().map(String::as_str) != Some("ok") {
            return Ok(None);
        }
        Ok(Some(
            values[1..].iter().filter_map(|v| v.parse().ok()).collect(),
        ))
    }
}
