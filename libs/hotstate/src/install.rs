//! Installing rebuilt key groups, each only if it is still missing (another rebuild, maybe
//! on another instance, may have got there first, and live writes may already have moved
//! it on), without a command that scales with a group's size:
//!
//! - **Small groups** (at most `install_chunk` members in all, the common case by far) are
//!   written by one script that checks and fills them at once. A cold start misses
//!   thousands of small groups a second — a feed page alone rebuilds ~150 in three domains —
//!   and a staged install costs every group two round trips and a handful of commands,
//!   which was most of what a Redis flush under load cost (loadtest/RESULTS.md, cold start).
//!   On a single Redis one script fills many groups, up to `install_chunk` members per
//!   script; on a Redis Cluster a script may touch one slot only, so there it is one script
//!   per group, all in one pipeline.
//! - **Large groups** go into staging keys of the same hash tag in bounded commands
//!   (`install_chunk` members each), then one small script renames them into place if the
//!   group is still missing — else drops them. Staging keys expire after
//!   `staging_ttl_secs`, so a rebuild that dies half-way leaves nothing behind.
//!
//! A group rebuilt from nothing (no rows, no events) whose id is not known to exist is
//! installed with a TTL of `empty_ttl_secs`; the first write to it `PERSIST`s it (see
//! `pairs`). So a lookup of a missing id leaves its k keys for at most that long: after any
//! number of such lookups the key count is the baseline plus at most k × (distinct missing
//! ids looked up in the last `empty_ttl_secs`). An empty group of an id that exists (a video
//! nobody liked yet) is kept like any other: it is bounded by the catalogue, and letting it
//! expire would rebuild most of a large catalogue from MySQL every `empty_ttl_secs`.

use std::sync::LazyLock;

use fred::prelude::{Client, ClientLike, HashesInterface, KeysInterface, SortedSetsInterface};
use futures::future::try_join_all;

use crate::script::{Call, RedisResult, Script, run_all};

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

    fn len(&self) -> usize {
        match self {
            Staged::Zset(_, members) => members.len(),
            Staged::Hash(_, fields) => fields.len(),
        }
    }
}

/// A rebuilt group: its keys (all in one slot) and whether it expires (an empty group of
/// an id not known to exist).
pub struct Rebuilt {
    pub keys: Vec<Staged>,
    pub expires: bool,
}

impl Rebuilt {
    fn members(&self) -> usize {
        self.keys.iter().map(Staged::len).sum()
    }
}

/// KEYS: the targets of every group, group after group. ARGV: per group its key count and
/// TTL (0: keep), then per key its kind (`z` or `h`), its pair count n and 2n values.
/// A group is written when any of its keys is missing (a group is only ever used whole),
/// else left alone. Returns 1 (installed) or 0 (present) per group.
static FILL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local out, a, k = {}, 1, 1
while a <= #ARGV do
  local nkeys, ttl = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local present = true
  for i = k, k + nkeys - 1 do
    if redis.call('exists', KEYS[i]) == 0 then present = false end
  end
  for i = k, k + nkeys - 1 do
    local kind, n = ARGV[a], tonumber(ARGV[a + 1])
    a = a + 2
    if not present then
      redis.call('unlink', KEYS[i])
      local command = kind == 'z' and 'zadd' or 'hset'
      for from = 0, n - 1, 500 do
        local part = {}
        for j = from, math.min(from + 500, n) - 1 do
          part[#part + 1] = ARGV[a + 2 * j]
          part[#part + 1] = ARGV[a + 2 * j + 1]
        end
        redis.call(command, KEYS[i], unpack(part))
      end
      if ttl > 0 then redis.call('expire', KEYS[i], ttl) end
    end
    a = a + 2 * n
  end
  out[#out + 1] = present and 0 or 1
  k = k + nkeys
end
return out",
    )
});

/// KEYS: targets 1..n then staging keys n+1..2n; ARGV[1]: TTL (0: keep for ever).
/// Installs when any target is missing (a group is only ever used whole), else discards;
/// -1 when a staging key vanished meanwhile (Redis lost it too): nothing is installed.
static RENAME: LazyLock<Script> = LazyLock::new(|| {
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
/// also when Redis lost a large group's staging keys meanwhile: the caller finds the group
/// still missing and rebuilds again. `expires`: an empty group of an id not known to exist.
pub async fn install(
    redis: &Client,
    settings: &settings::HotSettings,
    group: Vec<Staged>,
    expires: bool,
) -> RedisResult<bool> {
    let installed = install_all(
        redis,
        settings,
        vec![Rebuilt {
            keys: group,
            expires,
        }],
    )
    .await?;
    Ok(installed.first().copied().unwrap_or(false))
}

/// [`install`] of many groups: whether each was installed, in order. Small groups share
/// scripts (one pipeline); large ones are staged, concurrently.
pub async fn install_all(
    redis: &Client,
    settings: &settings::HotSettings,
    groups: Vec<Rebuilt>,
) -> RedisResult<Vec<bool>> {
    let chunk = settings.install_chunk.max(1);
    let (small, large): (Vec<_>, Vec<_>) = groups
        .into_iter()
        .enumerate()
        .partition(|(_, group)| group.members() <= chunk);
    let calls = fill_calls(&small, settings.empty_ttl_secs, chunk, redis.is_clustered());
    let large_installs = large
        .iter()
        .map(|(_, group)| staged(redis, settings, group));
    let (filled, staged) = tokio::try_join!(
        async {
            if calls.is_empty() {
                return Ok(Vec::new());
            }
            run_all::<Vec<i64>>(redis, &calls).await
        },
        try_join_all(large_installs)
    )?;
    let mut out = vec![false; small.len() + large.len()];
    let filled = filled.into_iter().flatten();
    for ((index, _), installed) in small.iter().zip(filled) {
        out[*index] = installed == 1;
    }
    for ((index, _), installed) in large.iter().zip(staged) {
        out[*index] = installed;
    }
    Ok(out)
}

/// The [`FILL`] calls for `groups`: consecutive groups share a call while it holds at most
/// `chunk` members (a group larger than that has a call of its own); `one_per_call` on a
/// Redis Cluster, where a script's keys must share a slot.
fn fill_calls(
    groups: &[(usize, Rebuilt)],
    empty_ttl: u64,
    chunk: usize,
    one_per_call: bool,
) -> Vec<Call<'static>> {
    let mut calls: Vec<Call<'static>> = Vec::new();
    let mut held = 0;
    for (_, group) in groups {
        let members = group.members();
        if calls.is_empty() || one_per_call || held + members > chunk {
            calls.push(Call {
                script: &FILL,
                keys: Vec::new(),
                args: Vec::new(),
            });
            held = 0;
        }
        held += members;
        let Some(call) = calls.last_mut() else {
            continue;
        };
        let ttl = if group.expires { empty_ttl } else { 0 };
        call.args.push(group.keys.len().to_string());
        call.args.push(ttl.to_string());
        for key in &group.keys {
            call.keys.push(key.target().to_owned());
            push_pairs(&mut call.args, key);
        }
    }
    calls
}

/// One key's part of [`FILL`]'s arguments: its kind, its pair count and the pairs.
fn push_pairs(args: &mut Vec<String>, key: &Staged) {
    match key {
        Staged::Zset(_, members) => {
            args.extend(["z".to_owned(), members.len().to_string()]);
            for (score, member) in members {
                args.extend([score.to_string(), member.clone()]);
            }
        }
        Staged::Hash(_, fields) => {
            args.extend(["h".to_owned(), fields.len().to_string()]);
            for (field, value) in fields {
                args.extend([field.clone(), value.clone()]);
            }
        }
    }
}

/// A large group through staging keys; true when installed (see [`install`]).
async fn staged(
    redis: &Client,
    settings: &settings::HotSettings,
    group: &Rebuilt,
) -> RedisResult<bool> {
    let token = format!("{:016x}", rand::random::<u64>());
    let staging: Vec<String> = group
        .keys
        .iter()
        .map(|staged| format!("{}:stg:{token}", staged.target()))
        .collect();
    let chunk = settings.install_chunk.max(1);
    let ttl = settings.staging_ttl_secs as i64;
    for (staged, key) in group.keys.iter().zip(&staging) {
        stage(redis, staged, key, chunk, ttl).await?;
    }
    let mut keys: Vec<String> = group.keys.iter().map(|s| s.target().to_owned()).collect();
    keys.extend(staging);
    let ttl = if group.expires {
        settings.empty_ttl_secs
    } else {
        0
    };
    let installed: i64 = RENAME.run(redis, keys, vec![ttl.to_string()]).await?;
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
