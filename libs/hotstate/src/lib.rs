//! What the domains with cross-key hot state in Redis (likes, follows) share: the record of
//! unpersisted events the hot state already reflects, and the rebuild input built from it.
//!
//! A domain's Lua update adds each event's stream sequence to `<prefix>applied` atomically
//! with the update itself. A rebuild of a lost key then takes MySQL's rows plus exactly
//! those unpersisted events the record holds; the others are applied by their own requests
//! once the key is back. After a total loss (no record) every unpersisted event is taken as
//! reflected by what is rebuilt from then on, and requests still holding one find it
//! applied.

use async_nats::jetstream;
use fred::prelude::{Client, LuaInterface};
use serde::de::DeserializeOwned;

/// Which of the unpersisted events (ARGV[2..]) the hot state reflects; creates the record
/// (with every one of them) when it is missing, trims entries far below the floor.
const CLAIM: &str = r"
if redis.call('exists', KEYS[1]) == 0 then
  redis.call('zadd', KEYS[1], 0, '_')
  for i = 2, #ARGV do redis.call('zadd', KEYS[1], ARGV[i], ARGV[i]) end
end
local trim = tonumber(ARGV[1]) - 100000
if trim > 0 then redis.call('zremrangebyscore', KEYS[1], '(0', trim) end
local out = {}
for i = 2, #ARGV do out[i - 1] = redis.call('zscore', KEYS[1], ARGV[i]) and 1 or 0 end
return out";

/// The Lua lines a domain's update script starts with: skip an event already applied,
/// record it (bounded to the newest 100,000), given the record is `KEYS[k]` and the
/// sequence `ARGV[a]`.
pub fn apply_once_lua(k: usize, a: usize) -> String {
    format!(
        "if redis.call('zscore', KEYS[{k}], ARGV[{a}]) then return 0 end\n\
         redis.call('zadd', KEYS[{k}], ARGV[{a}], ARGV[{a}])\n\
         if redis.call('zcard', KEYS[{k}]) > 200000 then \
         redis.call('zremrangebyrank', KEYS[{k}], 1, -100001) end\n"
    )
}

#[derive(Debug, thiserror::Error)]
pub enum TailError {
    #[error("stream: {0}")]
    Stream(#[from] mesh::streams::StreamSetupError),
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
}

/// The domain's `applied` record key.
pub fn applied_key(prefix: &str, domain: &str) -> String {
    format!("{prefix}{domain}:applied")
}

/// The unpersisted events of `stream` (under `filter`) that the hot state reflects, decoded
/// (an undecodable one is the consumer's to dead-letter), with their sequences.
pub async fn reflected_tail<E: DeserializeOwned>(
    js: &jetstream::Context,
    redis: &Client,
    applied_key: String,
    (stream, consumer, filter): (&str, &str, &str),
) -> Result<Vec<(u64, E)>, TailError> {
    let tail = mesh::streams::unpersisted(js, stream, consumer, filter).await?;
    let mut args = vec![tail.floor.to_string()];
    args.extend(tail.events.iter().map(|stored| stored.seq.to_string()));
    let flags: Vec<i64> = redis.eval(CLAIM, vec![applied_key], args).await?;
    Ok(tail
        .events
        .into_iter()
        .zip(flags)
        .filter(|(_, flag)| *flag == 1)
        .filter_map(|(stored, _)| Some((stored.seq, serde_json::from_slice(&stored.payload).ok()?)))
        .collect())
}
