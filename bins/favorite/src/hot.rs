//! Hot state in Redis, updated before each reply so the next read shows the write:
//! - `fav:u:<user>`  sorted set of liked videos by like time, plus a `_` marker (score 0)
//!   that says "loaded" (an empty set and a lost one look the same otherwise);
//! - `fav:s:<user>`  hash video → stream sequence of the last applied event, plus `_`;
//! - `fav:v:<video>` and `fav:a:<author>`: like counts of a video and of an author's videos.
//!
//! - `fav:applied` the stream sequences of unpersisted events already reflected here.
//!
//! Every update is one Lua script (atomic) that applies an event once (`fav:applied`) and
//! only if it is newer than the pair's last one, so concurrent and repeated requests agree
//! with MySQL. A missing key is never guessed: the caller rebuilds it (`rebuild.rs`) from
//! MySQL plus the unpersisted events this state already reflects — the others are applied
//! by their own requests, once the key is back.

use contract::favorite::FavoriteEvent;
use fred::prelude::{Client, LuaInterface};

use crate::state::PairState;

/// The update script: all keys present, the event not applied yet (see `hotstate`), then
/// the newer-sequence-wins update.
static APPLY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let exists = "for i = 1, 5 do if redis.call('exists', KEYS[i]) == 0 then return -1 end end\n";
    let update = r"
local last = tonumber(redis.call('hget', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[4]) <= last then return 0 end
redis.call('hset', KEYS[2], ARGV[1], ARGV[4])
local changed
if ARGV[2] == '1' then
  changed = redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
else
  changed = redis.call('zrem', KEYS[1], ARGV[1])
end
if changed == 1 then
  local delta = (ARGV[2] == '1') and 1 or -1
  redis.call('incrby', KEYS[3], delta)
  redis.call('incrby', KEYS[4], delta)
end
return 1";
    format!("{exists}{}{update}", hotstate::apply_once_lua(5, 4))
});

const LOAD_USER: &str = r"
if redis.call('exists', KEYS[1]) == 1 and redis.call('exists', KEYS[2]) == 1 then return 0 end
redis.call('del', KEYS[1], KEYS[2])
redis.call('zadd', KEYS[1], 0, '_')
redis.call('hset', KEYS[2], '_', 0)
for i = 1, #ARGV, 4 do
  redis.call('hset', KEYS[2], ARGV[i], ARGV[i + 3])
  if ARGV[i + 1] == '1' then redis.call('zadd', KEYS[1], ARGV[i + 2], ARGV[i]) end
end
return 1";

const LOAD_COUNTS: &str = r"
for i, key in ipairs(KEYS) do redis.call('set', key, ARGV[i], 'NX') end
return 1";

/// 1 per key that exists (a user counts only with both of its keys), else 0.
const LOADED: &str = r"
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('exists', key) end
return out";

/// -1 for a missing key, else the number.
const READ_COUNTS: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('get', key)
  out[i] = v and tonumber(v) or -1
end
return out";

/// -1 per missing user set, else how many videos the user liked.
const READ_USER_COUNTS: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then out[i] = redis.call('zcard', key) - 1 else out[i] = -1 end
end
return out";

/// {-1} when the set is missing, else 1/0 per asked video.
const READ_LIKED: &str = r"
if redis.call('exists', KEYS[1]) == 0 then return {-1} end
local out = {}
for i, v in ipairs(ARGV) do out[i] = redis.call('zscore', KEYS[1], v) and 1 or 0 end
return out";

/// {'missing'} or {'ok', the newest 1000 video ids, newest first}
const READ_LIST: &str = r"
if redis.call('exists', KEYS[1]) == 0 then return {'missing'} end
local ids = redis.call('zrevrangebyscore', KEYS[1], '+inf', '(0', 'LIMIT', 0, 1000)
table.insert(ids, 1, 'ok')
return ids";

#[derive(Clone)]
pub struct Hot {
    redis: Client,
    prefix: String,
}

/// What applying an event did.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// A key was missing: rebuild, then apply again.
    NotLoaded,
}

pub type RedisResult<T> = Result<T, fred::error::Error>;

impl Hot {
    pub fn new(redis: Client, prefix: &str) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
        }
    }

    pub fn user_set(&self, user: i64) -> String {
        format!("{}fav:u:{user}", self.prefix)
    }
    fn user_seqs(&self, user: i64) -> String {
        format!("{}fav:s:{user}", self.prefix)
    }
    pub fn video_count(&self, video: i64) -> String {
        format!("{}fav:v:{video}", self.prefix)
    }
    pub fn author_count(&self, author: i64) -> String {
        format!("{}fav:a:{author}", self.prefix)
    }
    pub fn applied(&self) -> String {
        hotstate::applied_key(&self.prefix, "fav")
    }

    /// Whether the user's, the video's and the author's hot state are all present, and
    /// whether the applied-events record is.
    pub async fn loaded(&self, user: i64, video: i64, author: i64) -> RedisResult<[bool; 4]> {
        let keys = vec![
            self.user_set(user),
            self.user_seqs(user),
            self.video_count(video),
            self.author_count(author),
            self.applied(),
        ];
        let flags: Vec<i64> = self.redis.eval(LOADED, keys, Vec::<String>::new()).await?;
        let has = |i: usize| flags.get(i) == Some(&1);
        Ok([has(0) && has(1), has(2), has(3), has(4)])
    }

    pub fn redis(&self) -> &Client {
        &self.redis
    }

    pub async fn apply(&self, seq: u64, event: &FavoriteEvent) -> RedisResult<Applied> {
        let keys = vec![
            self.user_set(event.user_id),
            self.user_seqs(event.user_id),
            self.video_count(event.video_id),
            self.author_count(event.author_id),
            self.applied(),
        ];
        let args = vec![
            event.video_id.to_string(),
            if event.liked { "1" } else { "0" }.to_owned(),
            event.at_ms.to_string(),
            seq.to_string(),
        ];
        let result: i64 = self.redis.eval(APPLY.as_str(), keys, args).await?;
        Ok(if result < 0 {
            Applied::NotLoaded
        } else {
            Applied::Done
        })
    }

    /// Installs a rebuilt user unless someone else did first.
    pub async fn load_user(&self, user: i64, pairs: &[(i64, PairState)]) -> RedisResult<()> {
        let mut args = Vec::with_capacity(pairs.len() * 4);
        for (video, state) in pairs {
            args.push(video.to_string());
            args.push(if state.liked { "1" } else { "0" }.to_owned());
            args.push(state.liked_ms.max(1).to_string());
            args.push(state.seq.to_string());
        }
        let keys = vec![self.user_set(user), self.user_seqs(user)];
        let _: i64 = self.redis.eval(LOAD_USER, keys, args).await?;
        Ok(())
    }

    /// Installs rebuilt counts under `keys` unless present.
    pub async fn load_counts(&self, keys: Vec<String>, counts: Vec<i64>) -> RedisResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let args: Vec<String> = counts.iter().map(i64::to_string).collect();
        let _: i64 = self.redis.eval(LOAD_COUNTS, keys, args).await?;
        Ok(())
    }

    /// Counts under `keys`; `None` where a key is missing.
    pub async fn counts(&self, keys: Vec<String>) -> RedisResult<Vec<Option<i64>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<i64> = self
            .redis
            .eval(READ_COUNTS, keys, Vec::<String>::new())
            .await?;
        Ok(values.into_iter().map(|v| (v >= 0).then_some(v)).collect())
    }

    /// How many videos each user liked; `None` where the user is not loaded.
    pub async fn liked_counts(&self, users: &[i64]) -> RedisResult<Vec<Option<i64>>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = users.iter().map(|u| self.user_set(*u)).collect();
        let values: Vec<i64> = self
            .redis
            .eval(READ_USER_COUNTS, keys, Vec::<String>::new())
            .await?;
        Ok(values.into_iter().map(|v| (v >= 0).then_some(v)).collect())
    }

    /// Whether `user` liked each of `videos`; `None` when the user is not loaded.
    pub async fn liked(&self, user: i64, videos: &[i64]) -> RedisResult<Option<Vec<bool>>> {
        let args: Vec<String> = videos.iter().map(i64::to_string).collect();
        let values: Vec<i64> = self
            .redis
            .eval(READ_LIKED, vec![self.user_set(user)], args)
            .await?;
        if values.first() == Some(&-1) {
            return Ok(None);
        }
        Ok(Some(values.into_iter().map(|v| v == 1).collect()))
    }

    /// The user's liked videos, newest like first; `None` when not loaded.
    pub async fn list(&self, user: i64) -> RedisResult<Option<Vec<i64>>> {
        let values: Vec<String> = self
            .redis
            .eval(READ_LIST, vec![self.user_set(user)], Vec::<String>::new())
            .await?;
        if values.first().map(String::as_str) != Some("ok") {
            return Ok(None);
        }
        Ok(Some(
            values[1..].iter().filter_map(|v| v.parse().ok()).collect(),
        ))
    }
}
