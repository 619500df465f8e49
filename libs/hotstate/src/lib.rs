//! Hot state in Redis that scales: what the domains with hot state (likes, follows,
//! comments) share. Layout and rules, each in its module:
//!
//! - [`keys`]: every key is `<prefix><domain>:{<tag><id>}:<part>`; the `{…}` hash tag puts
//!   one entity's group in one Redis Cluster slot, and every script touches one group only.
//! - [`pairs`]: groups of (entity, member) pairs, each with the sequence of its last event;
//!   each group applies an event only if newer (the consumers' MySQL rule), so groups are
//!   independent — no shared applied-record, no global key on every write. One write is
//!   one pipeline of per-group scripts ([`script::run_all`], `EVALSHA`).
//! - [`tail`]: each instance follows its stream's unpersisted tail in memory, indexed by
//!   key; a rebuild reads MySQL plus the key's tail events, in the order the module
//!   documents, and costs what the key holds — no JetStream consumer per miss.
//! - [`install`]: rebuilt groups are written in bounded chunks to staging keys and renamed
//!   into place if still missing; a group rebuilt from nothing expires after
//!   `hot.empty_ttl_secs` unless written to.
//! - [`rebuilds`]: concurrent misses of one key coalesce; rebuilds have their own bulkhead.
//!
//! A domain's rebuild of groups `ids`: `rebuilds.run(ids, |ids| { pin = tail.pin()?; rows =
//! MySQL(ids); events = pin.events(keys(ids)); merge by sequence; install(each) })`.
//!
//! How the domains map onto it: likes — user group `{u<id>}` (set group: liked videos),
//! video `{v<id>}` and author `{a<id>}` (count groups), one `Tail` keyed by all three;
//! follows — two set groups per user under one tag `{u<id>}` (out side `o`/`os`, in side
//! `i`/`is`: the friend list intersects them in one script), `Tail` keyed by (side, user);
//! comments — one video group `{v<id>}` with its own script (per-comment sequence), `Tail`
//! keyed by video.
//!
//! The items below the modules (`reflected_tail`, `apply_once_lua`, …) are the previous,
//! global-record design, kept until every domain has moved off it (relation and comment
//! have; favorite is the last user).

pub mod install;
pub mod keys;
pub mod pairs;
pub mod rebuilds;
pub mod script;
pub mod tail;

pub use install::{Staged, install};
pub use keys::Group;
pub use rebuilds::Rebuilds;
pub use script::{Call, Script};
pub use tail::{Pin, Tail, TailSpec};

/// Why hot state could not be read or rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum HotError {
    /// The in-memory tail cannot vouch for the unpersisted events (behind the stream, or
    /// started over): a rebuild now could be wrong, so it is refused (a 503).
    #[error("hot state unavailable: {0}")]
    Behind(String),
    #[error("JetStream: {0}")]
    JetStream(String),
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
}

// ---- previous design (global applied record), kept until relation moves off it ----

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
