//! Hot state in Redis, per video, updated before each reply (read-your-writes), in one
//! hash-tagged group per video (`cm:{v<id>}:…`, one cluster slot):
//! - `…:z` sorted set of live comment ids by creation time, plus a `_` marker (score 0)
//!   that says "loaded";
//! - `…:b` hash id → the comment as JSON;
//! - `…:s` hash id → stream sequence of the last applied event.
//!
//! All three keys of a video are written together, by one Lua script per event that applies
//! it only if it is newer than the comment's last one; the count is the set's size, so no
//! separate counter can drift. A missing video is rebuilt from MySQL plus the stream's tail,
//! in chunks (`rebuild.rs`); a video with no comments is a short-lived negative entry until
//! its first comment.

use contract::comment::{CommentEvent, CommentInfo};
use fred::prelude::Client;
use hotstate::{Call, Group, Script, Staged};

static APPLY: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
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
for i = 1, 3 do redis.call('persist', KEYS[i]) end
return 1",
    )
});

/// {'missing'} or {'ok', json of each live comment, newest first (at most ARGV[1])}.
static LIST: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('exists', KEYS[1]) == 0 or redis.call('exists', KEYS[2]) == 0 then return {'missing'} end
local ids = redis.call('zrevrangebyscore', KEYS[1], '+inf', '(0', 'LIMIT', 0, tonumber(ARGV[1]))
local out = {'ok'}
-- An id without its body (Redis lost part of the hash) is left out, not a hole that fails
-- the whole list; the drift verifier rebuilds the video.
for _, id in ipairs(ids) do
  local body = redis.call('hget', KEYS[2], id)
  if body then out[#out + 1] = body end
end
return out",
    )
});

/// {'missing'}, {'none'} or {'ok', json}.
static GET: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('exists', KEYS[1]) == 0 then return {'missing'} end
local body = redis.call('hget', KEYS[1], ARGV[1])
if not body then return {'none'} end
return {'ok', body}",
    )
});

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

    pub fn redis(&self) -> &Client {
        &self.redis
    }

    /// The video's ids, bodies and sequences: one hash tag, one slot.
    pub fn keys(&self, video: i64) -> [String; 3] {
        let group = Group::new(&self.prefix, "cm", "v", video);
        ["z", "b", "s"].map(|part| group.key(part))
    }

    /// The keys of a rebuilt video with their content: its latest event per comment.
    pub fn stage(&self, video: i64, latest: &[(u64, CommentEvent)]) -> Vec<Staged> {
        let mut ids = vec![(0.0, "_".to_owned())];
        let mut bodies = vec![("_".to_owned(), String::new())];
        let mut seqs = vec![("_".to_owned(), "0".to_owned())];
        for (seq, event) in latest {
            let id = event.comment_id.to_string();
            seqs.push((id.clone(), seq.to_string()));
            if !event.deleted {
                ids.push((event.created_ms.max(1) as f64, id.clone()));
                bodies.push((id, body(event)));
            }
        }
        let [z, b, s] = self.keys(video);
        vec![
            Staged::Zset(z, ids),
            Staged::Hash(b, bodies),
            Staged::Hash(s, seqs),
        ]
    }

    /// A rebuilt video (its latest event per comment), to install unless someone did
    /// first; a video with no comments at all that is not known to `exist` is a negative
    /// entry that expires.
    pub fn rebuilt(
        &self,
        video: i64,
        latest: &[(u64, CommentEvent)],
        exists: bool,
    ) -> hotstate::Rebuilt {
        hotstate::Rebuilt {
            expires: latest.is_empty() && !exists,
            keys: self.stage(video, latest),
        }
    }

    /// The script call that applies `event` (stream sequence `seq`) to its video.
    pub fn call(&self, seq: u64, event: &CommentEvent) -> Call<'static> {
        let args = vec![
            event.comment_id.to_string(),
            seq.to_string(),
            if event.deleted { "1" } else { "0" }.to_owned(),
            event.created_ms.max(1).to_string(),
            body(event),
        ];
        Call {
            script: &APPLY,
            keys: self.keys(event.video_id).to_vec(),
            args,
        }
    }

    pub async fn apply(&self, seq: u64, event: &CommentEvent) -> RedisResult<Loaded<()>> {
        let call = self.call(seq, event);
        let result: i64 = call.script.run(&self.redis, call.keys, call.args).await?;
        Ok(if result < 0 {
            Loaded::NotLoaded
        } else {
            Loaded::Yes(())
        })
    }

    pub async fn list(&self, video: i64, limit: usize) -> RedisResult<Loaded<Vec<CommentInfo>>> {
        let keys = self.keys(video)[..2].to_vec();
        let values: Vec<String> = LIST.run(&self.redis, keys, vec![limit.to_string()]).await?;
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

    /// Live comments per video, one round trip; `None` where not loaded. The ids set has
    /// the shape of a `hotstate` set group (a marker, then members), so it is counted as one.
    pub async fn counts(&self, videos: &[i64]) -> RedisResult<Vec<Option<i64>>> {
        let sets = videos
            .iter()
            .map(|video| self.keys(*video)[0].clone())
            .collect();
        hotstate::pairs::set_sizes(&self.redis, sets).await
    }

    /// A live comment of `video`, `None` if there is none with this id.
    pub async fn get(&self, video: i64, comment: i64) -> RedisResult<Loaded<Option<CommentInfo>>> {
        let [_, key, _] = self.keys(video);
        let values: Vec<String> = GET
            .run(&self.redis, vec![key], vec![comment.to_string()])
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
    fn every_key_of_a_video_shares_one_slot() {
        let hot = Hot::new(Client::default(), "gt:");
        let keys = hot.keys(7);
        assert_eq!(keys, ["gt:cm:{v7}:z", "gt:cm:{v7}:b", "gt:cm:{v7}:s"]);
        let slots = keys.map(|key| hotstate::keys::slot(&key));
        assert!(slots.iter().all(|slot| *slot == slots[0]), "{slots:?}");
    }

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
