//! Hot state in Redis, per video, updated before each reply (read-your-writes):
//! - `cm:z:<video>` sorted set of live comment ids by creation time, plus a `_` marker
//!   (score 0) that says "loaded";
//! - `cm:b:<video>` hash id → the comment as JSON;
//! - `cm:s:<video>` hash id → stream sequence of the last applied event.
//!
//! All three keys of a video are written together, by one Lua script per event that applies
//! it only if it is newer than the comment's last one; the count is the set's size, so no
//! separate counter can drift. A missing video is rebuilt from MySQL plus the stream.

use contract::comment::{CommentEvent, CommentInfo};
use fred::prelude::{Client, LuaInterface};

const APPLY: &str = r"
for i = 1, 3 do if redis.call('exists', KEYS[i]) == 0 then return -1 end end
local last = tonumber(redis.call('hget', KEYS[3], ARGV[1]) or '0')
if tonumber(ARGV[2]) <= last then return 0 end
redis.call('hset', KEYS[3], ARGV[1], ARGV[2])
if ARGV[3] == '1' then
  redis.call('zrem', KEYS[1], ARGV[1])
  redis.call('hdel', KEYS[2], ARGV[1])
else
  redis.call('zadd', KEYS[1], ARGV[4], ARGV[1])
  redis.call('hset', KEYS[2], ARGV[1], ARGV[5])
end
return 1";

/// ARGV: repeated (id, seq, deleted, created_ms, json).
const LOAD: &str = r"
if redis.call('exists', KEYS[1]) == 1 and redis.call('exists', KEYS[2]) == 1
   and redis.call('exists', KEYS[3]) == 1 then return 0 end
redis.call('del', KEYS[1], KEYS[2], KEYS[3])
redis.call('zadd', KEYS[1], 0, '_')
redis.call('hset', KEYS[2], '_', '')
redis.call('hset', KEYS[3], '_', 0)
for i = 1, #ARGV, 5 do
  redis.call('hset', KEYS[3], ARGV[i], ARGV[i + 1])
  if ARGV[i + 2] == '0' then
    redis.call('zadd', KEYS[1], ARGV[i + 3], ARGV[i])
    redis.call('hset', KEYS[2], ARGV[i], ARGV[i + 4])
  end
end
return 1";

/// {'missing'} or {'ok', json of each live comment, newest first (at most ARGV[1])}.
const LIST: &str = r"
if redis.call('exists', KEYS[1]) == 0 or redis.call('exists', KEYS[2]) == 0 then return {'missing'} end
local ids = redis.call('zrevrangebyscore', KEYS[1], '+inf', '(0', 'LIMIT', 0, tonumber(ARGV[1]))
local out = {'ok'}
for _, id in ipairs(ids) do out[#out + 1] = redis.call('hget', KEYS[2], id) end
return out";

/// -1 per video not loaded, else its number of live comments.
const COUNTS: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then out[i] = redis.call('zcard', key) - 1 else out[i] = -1 end
end
return out";

/// {'missing'}, {'none'} or {'ok', json}.
const GET: &str = r"
if redis.call('exists', KEYS[1]) == 0 then return {'missing'} end
local body = redis.call('hget', KEYS[1], ARGV[1])
if not body then return {'none'} end
return {'ok', body}";

pub type RedisResult<T> = Result<T, fred::error::Error>;

#[derive(Clone)]
pub struct Hot {
    redis: Client,
    prefix: String,
}

/// A lookup that may find the video's state not loaded.
pub enum Loaded<T> {
    Yes(T),
    NotLoaded,
}

impl Hot {
    pub fn new(redis: Client, prefix: &str) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
        }
    }

    fn keys(&self, video: i64) -> Vec<String> {
        ["z", "b", "s"]
            .iter()
            .map(|kind| format!("{}cm:{kind}:{video}", self.prefix))
            .collect()
    }

    pub async fn apply(&self, seq: u64, event: &CommentEvent) -> RedisResult<Loaded<()>> {
        let args = vec![
            event.comment_id.to_string(),
            seq.to_string(),
            if event.deleted { "1" } else { "0" }.to_owned(),
            event.created_ms.max(1).to_string(),
            body(event),
        ];
        let result: i64 = self
            .redis
            .eval(APPLY, self.keys(event.video_id), args)
            .await?;
        Ok(if result < 0 {
            Loaded::NotLoaded
        } else {
            Loaded::Yes(())
        })
    }

    /// Installs a rebuilt video (its latest event per comment) unless someone did first.
    pub async fn load(&self, video: i64, latest: &[(u64, CommentEvent)]) -> RedisResult<()> {
        let mut args = Vec::with_capacity(latest.len() * 5);
        for (seq, event) in latest {
            args.push(event.comment_id.to_string());
            args.push(seq.to_string());
            args.push(if event.deleted { "1" } else { "0" }.to_owned());
            args.push(event.created_ms.max(1).to_string());
            args.push(body(event));
        }
        let _: i64 = self.redis.eval(LOAD, self.keys(video), args).await?;
        Ok(())
    }

    pub async fn list(&self, video: i64, limit: usize) -> RedisResult<Loaded<Vec<CommentInfo>>> {
        let keys = self.keys(video)[..2].to_vec();
        let values: Vec<String> = self.redis.eval(LIST, keys, vec![limit.to_string()]).await?;
        if values.first().map(String::as_str) != Some("ok") {
            return Ok(Loaded::NotLoaded);
        }
        Ok(Loaded::Yes(
            values[1..]
                .iter()
                .filter_map(|json| serde_json::from_str(json).ok())
                .collect(),
        ))
    }

    pub async fn counts(&self, videos: &[i64]) -> RedisResult<Vec<Option<i64>>> {
        if videos.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = videos
            .iter()
            .map(|v| self.keys(*v).swap_remove(0))
            .collect();
        let values: Vec<i64> = self.redis.eval(COUNTS, keys, Vec::<String>::new()).await?;
        Ok(values.into_iter().map(|v| (v >= 0).then_some(v)).collect())
    }

    /// A live comment of `video`, `None` if there is none with this id.
    pub async fn get(&self, video: i64, comment: i64) -> RedisResult<Loaded<Option<CommentInfo>>> {
        let key = self.keys(video).swap_remove(1);
        let values: Vec<String> = self
            .redis
            .eval(GET, vec![key], vec![comment.to_string()])
            .await?;
        Ok(match values.first().map(String::as_str) {
            Some("ok") => Loaded::Yes(
                values
                    .get(1)
                    .and_then(|json| serde_json::from_str(json).ok()),
            ),
            Some("none") => Loaded::Yes(None),
            _ => Loaded::NotLoaded,
        })
    }
}

fn body(event: &CommentEvent) -> String {
    let info = CommentInfo {
        id: event.comment_id,
        video_id: event.video_id,
        user_id: event.user_id,
        content: event.content.clone(),
        created_ms: event.created_ms,
    };
    serde_json::to_string(&info).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_body_is_the_comment_a_list_shows() {
        let event = CommentEvent {
            comment_id: 11,
            video_id: 7,
            user_id: 3,
            content: "好看 nice".into(),
            created_ms: 1_700_000,
            deleted: false,
        };
        let shown: CommentInfo =
            serde_json::from_str(&body(&event)).expect("the body is a comment");
        let expected = CommentInfo {
            id: 11,
            video_id: 7,
            user_id: 3,
            content: "好看 nice".into(),
            created_ms: 1_700_000,
        };
        assert_eq!(shown, expected);
    }
}
