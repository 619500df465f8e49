//! One value read from each of many keys — the shape of every count on a page — in one
//! round trip. On a single Redis that is one script over all the keys: one command for the
//! client to encode and decode and for Redis to parse, instead of one per key (the
//! per-command cost in the client's connection task was the largest item of a feed page's
//! profile; see loadtest/RESULTS.md). On a Redis Cluster a script may only touch keys of
//! one slot, so there it stays one pipeline of single-key commands, routed by slot.

use std::sync::LazyLock;

use fred::prelude::{Client, ClientLike, HashesInterface, SortedSetsInterface};

use crate::script::{Call, RedisResult, Script, run_all};

/// Keys per script: a script runs alone on the server, so a huge one would hold up every
/// other client; 500 short reads take well under a millisecond.
const CHUNK: usize = 500;

/// KEYS: sorted sets. Their sizes (0 for a missing key).
static ZCARDS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('zcard', key) end
return out",
    )
});

/// KEYS: hashes; ARGV[1]: a field. Its value in each (nil where missing).
static HGETS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('hget', key, ARGV[1]) end
return out",
    )
});

/// `ZCARD` of each key, in order.
pub async fn zcards(redis: &Client, keys: Vec<String>) -> RedisResult<Vec<i64>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    if redis.is_clustered() {
        let pipeline = redis.pipeline();
        for key in keys {
            let _: () = pipeline.zcard(key).await?;
        }
        return pipeline.all().await;
    }
    scripted(redis, &ZCARDS, keys, Vec::new()).await
}

/// `HGET key field` of each key, in order; `None` where the key or field is missing.
pub async fn hgets(
    redis: &Client,
    keys: Vec<String>,
    field: &str,
) -> RedisResult<Vec<Option<i64>>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    if redis.is_clustered() {
        let pipeline = redis.pipeline();
        for key in keys {
            let _: () = pipeline.hget(key, field).await?;
        }
        return pipeline.all().await;
    }
    scripted(redis, &HGETS, keys, vec![field.to_owned()]).await
}

/// Runs `script` over `keys` in chunks of [`CHUNK`], one pipeline, results concatenated.
async fn scripted<T: fred::types::FromValue>(
    redis: &Client,
    script: &'static Script,
    keys: Vec<String>,
    args: Vec<String>,
) -> RedisResult<Vec<T>> {
    let calls: Vec<Call<'static>> = keys
        .chunks(CHUNK)
        .map(|chunk| Call {
            script,
            keys: chunk.to_vec(),
            args: args.clone(),
        })
        .collect();
    let parts: Vec<Vec<T>> = run_all(redis, &calls).await?;
    Ok(parts.into_iter().flatten().collect())
}
