//! Installing a rebuilt key group without a command that scales with its size: the members
//! go into staging keys of the same hash tag in bounded commands (`install_chunk` members
//! each), then one small script renames them into place if the group is still missing —
//! else drops them (another rebuild, maybe on another instance, got there first and live
//! writes may already have moved it on). Staging keys expire after `staging_ttl_secs`, so
//! a rebuild that dies half-way leaves nothing behind.
//!
//! A group rebuilt from nothing (no rows, no events) whose id is not known to exist is
//! installed with a TTL of `empty_ttl_secs`; the first write to it `PERSIST`s it (see
//! `pairs`). So a lookup of a missing id leaves its k keys for at most that long: after any
//! number of such lookups the key count is the baseline plus at most k × (distinct missing
//! ids looked up in the last `empty_ttl_secs`). An empty group of an id that exists (a video
//! nobody liked yet) is kept like any other: it is bounded by the catalogue, and letting it
//! expire would rebuild most of a large catalogue from MySQL every `empty_ttl_secs`.

use fred::prelude::{Client, HashesInterface, KeysInterface, SortedSetsInterface};

use crate::script::{RedisResult, Script};

/// One key of a rebuilt group and its content. Include the domain's "loaded" marker (an
/// empty set and a lost one look the same otherwise): a staged key must not be empty.
pub enum Staged {
    /// Sorted set: (score, member).
    Zset(String, Vec<(f64, String)>),
    /// Hash: (field, value).
    Hash(String, Vec<(String, String)>),
}

impl Staged {
    /// The key it installs.
    pub fn target(&self) -> &str {
        match self {
            Staged::Zset(key, _) | Staged::Hash(key, _) => key,
        }
    }
}

/// KEYS: targets 1..n then staging keys n+1..2n; ARGV[1]: TTL (0: keep for ever).
/// Installs when any target is missing (a group is only ever used whole), else discards;
/// -1 when a staging key vanished meanwhile (Redis lost it too): nothing is installed.
static INSTALL: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
local n = #KEYS / 2
for i = n + 1, #KEYS do
  if redis.call('exists', KEYS[i]) == 0 then
    for j = n + 1, #KEYS do redis.call('unlink', KEYS[j]) end
    return -1
  end
end
local present = true
for i = 1, n do if redis.call('exists', KEYS[i]) == 0 then present = false end end
if present then
  for i = n + 1, #KEYS do redis.call('unlink', KEYS[i]) end
  return 0
end
local ttl = tonumber(ARGV[1])
for i = 1, n do
  redis.call('unlink', KEYS[i])
  redis.call('rename', KEYS[n + i], KEYS[i])
  if ttl > 0 then redis.call('expire', KEYS[i], ttl) else redis.call('persist', KEYS[i]) end
end
return 1",
    )
});

/// Writes `group` (all keys in one slot) unless it is present; true when installed. False
/// also when Redis lost the staging keys meanwhile: the caller finds the group still
/// missing and rebuilds again. `expires`: an empty group of an id not known to exist.
pub async fn install(
    redis: &Client,
    settings: &settings::HotSettings,
    group: Vec<Staged>,
    expires: bool,
) -> RedisResult<bool> {
    let token = format!("{:016x}", rand::random::<u64>());
    let staging: Vec<String> = group
        .iter()
        .map(|staged| format!("{}:stg:{token}", staged.target()))
        .collect();
    let chunk = settings.install_chunk.max(1);
    let ttl = settings.staging_ttl_secs as i64;
    for (staged, key) in group.iter().zip(&staging) {
        stage(redis, staged, key, chunk, ttl).await?;
    }
    let mut keys: Vec<String> = group.iter().map(|s| s.target().to_owned()).collect();
    keys.extend(staging);
    let ttl = if expires { settings.empty_ttl_secs } else { 0 };
    let installed: i64 = INSTALL.run(redis, keys, vec![ttl.to_string()]).await?;
    Ok(installed == 1)
}

/// One staging key, chunk by chunk, in one pipeline (Redis serves other clients between
/// the commands); the TTL follows the first chunk, so even a half-written key expires.
async fn stage(
    redis: &Client,
    staged: &Staged,
    key: &str,
    chunk: usize,
    ttl: i64,
) -> RedisResult<()> {
    let pipeline = redis.pipeline();
    match staged {
        Staged::Zset(_, members) => {
            for part in members.chunks(chunk) {
                let _: () = pipeline
                    .zadd(key, None, None, false, false, part.to_vec())
                    .await?;
                if part.as_ptr() == members.as_ptr() {
                    let _: () = pipeline.expire(key, ttl, None).await?;
                }
            }
        }
        Staged::Hash(_, fields) => {
            for part in fields.chunks(chunk) {
                let _: () = pipeline.hset(key, part.to_vec()).await?;
                if part.as_ptr() == fields.as_ptr() {
                    let _: () = pipeline.expire(key, ttl, None).await?;
                }
            }
        }
    }
    let _: Vec<fred::types::Value> = pipeline.all().await?;
    Ok(())
}
