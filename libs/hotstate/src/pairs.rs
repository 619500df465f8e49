//! Hot state made of (entity, member) pairs, each carrying the stream sequence of the event
//! that last set it — the shape of likes (user ↔ video, video ← user, author ← like) and
//! follows (follower → followee, followee ← follower). Two kinds of key group:
//!
//! - a **set group**: a sorted set of the members that are on (score: the event's time),
//!   plus a hash member → ±sequence (+ on, − off), each with a `_` marker that says
//!   "loaded";
//! - a **count group**: one hash member → ±sequence plus `_n`, the number of members on.
//!
//! Every group keeps its own pairs and applies an event only if it is newer than the
//! pair's last one, the rule the persistence consumers apply to MySQL. So each group is
//! right on its own, in any delivery order, repeated or not, and can be lost and rebuilt
//! (rows + tail) without the others: no record shared between groups, no global key, one
//! slot per script. A count costs its pairs in memory — that is what makes a rebuilt count
//! exact without knowing which events the other groups had seen.
//!
//! Scripts never create a group (a missing one answers -1 and the caller rebuilds it) and
//! `PERSIST` what they write, which ends a negative entry's TTL (see `install`).

use fred::prelude::Client;
use mesh::batch::Versioned;

use crate::{
    install::Staged,
    script::{Call, RedisResult, Script, run_all},
};

/// Marker of a set group's keys; the count hash's marker is its `_n` field.
pub const MARKER: &str = "_";
pub const COUNT_FIELD: &str = "_n";

/// KEYS: the set, its sequence hash. ARGV: member, on (1/0), score, seq.
/// -1 not loaded, 0 older than the pair's last event, 1 applied.
pub static APPLY_SET: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('exists', KEYS[1]) == 0 or redis.call('exists', KEYS[2]) == 0 then return -1 end
local last = math.abs(tonumber(redis.call('hget', KEYS[2], ARGV[1]) or '0'))
if tonumber(ARGV[4]) <= last then return 0 end
redis.call('persist', KEYS[1])
redis.call('persist', KEYS[2])
if ARGV[2] == '1' then
  redis.call('hset', KEYS[2], ARGV[1], ARGV[4])
  redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('hset', KEYS[2], ARGV[1], '-' .. ARGV[4])
  redis.call('zrem', KEYS[1], ARGV[1])
end
return 1",
    )
});

/// KEYS: the count hash. ARGV: member, on (1/0), seq. Same answers as `APPLY_SET`.
pub static APPLY_COUNT: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('exists', KEYS[1]) == 0 then return -1 end
local old = redis.call('hget', KEYS[1], ARGV[1])
if old and tonumber(ARGV[3]) <= math.abs(tonumber(old)) then return 0 end
redis.call('persist', KEYS[1])
local on = ARGV[2] == '1'
-- The sign says on or off, not the number: a pair stored before any event (seq 0, e.g.
-- rows loaded in bulk) is '0' when on and '-0' when off.
local was_on = old ~= false and string.sub(old, 1, 1) ~= '-'
redis.call('hset', KEYS[1], ARGV[1], on and ARGV[3] or ('-' .. ARGV[3]))
if on ~= was_on then redis.call('hincrby', KEYS[1], '_n', on and 1 or -1) end
return 1",
    )
});

/// KEYS: a set. {-1} when missing, else 1/0 per member in ARGV.
static MEMBERS: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('exists', KEYS[1]) == 0 then return {-1} end
local out = {}
for i, v in ipairs(ARGV) do out[i] = redis.call('zscore', KEYS[1], v) and 1 or 0 end
return out",
    )
});

/// KEYS: a set. {'missing'} or {'ok', the newest ARGV[1] members, newest first}.
static NEWEST: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('exists', KEYS[1]) == 0 then return {'missing'} end
local ids = redis.call('zrevrangebyscore', KEYS[1], '+inf', '(0', 'LIMIT', 0, tonumber(ARGV[1]))
table.insert(ids, 1, 'ok')
return ids",
    )
});

fn signed(state: &Versioned) -> String {
    if state.on {
        state.seq.to_string()
    } else {
        format!("-{}", state.seq)
    }
}

fn flag(on: bool) -> String {
    if on { "1" } else { "0" }.to_owned()
}

/// A set group's `apply` call for one event (pipeline it with the others: `run_all`).
pub fn set_call(set: String, seqs: String, member: String, state: &Versioned) -> Call<'static> {
    let args = vec![
        member,
        flag(state.on),
        state.at_ms.max(1).to_string(),
        state.seq.to_string(),
    ];
    Call {
        script: &APPLY_SET,
        keys: vec![set, seqs],
        args,
    }
}

/// A count group's `apply` call for one event.
pub fn count_call(hash: String, member: String, state: &Versioned) -> Call<'static> {
    let args = vec![member, flag(state.on), state.seq.to_string()];
    Call {
        script: &APPLY_COUNT,
        keys: vec![hash],
        args,
    }
}

/// The staged keys of a rebuilt set group (members with their latest state).
pub fn stage_set(set: String, seqs: String, pairs: &[(String, Versioned)]) -> Vec<Staged> {
    let mut on = vec![(0.0, MARKER.to_owned())];
    let mut hash = vec![(MARKER.to_owned(), "0".to_owned())];
    for (member, state) in pairs {
        if state.on {
            on.push((state.at_ms.max(1) as f64, member.clone()));
        }
        hash.push((member.clone(), signed(state)));
    }
    vec![Staged::Zset(set, on), Staged::Hash(seqs, hash)]
}

/// The staged key of a rebuilt count group.
pub fn stage_count(hash: String, pairs: &[(String, Versioned)]) -> Staged {
    let count = pairs.iter().filter(|(_, state)| state.on).count();
    let mut fields = vec![(COUNT_FIELD.to_owned(), count.to_string())];
    fields.extend(
        pairs
            .iter()
            .map(|(member, state)| (member.clone(), signed(state))),
    );
    Staged::Hash(hash, fields)
}

/// Sizes of set groups (one round trip, [`crate::many`]); `None` where not loaded.
pub async fn set_sizes(redis: &Client, sets: Vec<String>) -> RedisResult<Vec<Option<i64>>> {
    let sizes = crate::many::zcards(redis, sets).await?;
    // The marker makes a loaded set at least 1 long; ZCARD of a missing key is 0.
    Ok(sizes.into_iter().map(|n| (n > 0).then(|| n - 1)).collect())
}

/// Counts of count groups (one round trip, [`crate::many`]); `None` where not loaded.
pub async fn counts(redis: &Client, hashes: Vec<String>) -> RedisResult<Vec<Option<i64>>> {
    crate::many::hgets(redis, hashes, COUNT_FIELD).await
}

/// Whether each of `members` is on in `set`; `None` when not loaded.
pub async fn members(
    redis: &Client,
    set: String,
    members: Vec<String>,
) -> RedisResult<Option<Vec<bool>>> {
    let values: Vec<i64> = MEMBERS.run(redis, vec![set], members).await?;
    if values.first() == Some(&-1) {
        return Ok(None);
    }
    Ok(Some(values.into_iter().map(|v| v == 1).collect()))
}

/// The newest `limit` members of `set`, newest first; `None` when not loaded.
pub async fn newest(redis: &Client, set: String, limit: usize) -> RedisResult<Option<Vec<String>>> {
    let mut values: Vec<String> = NEWEST
        .run(redis, vec![set], vec![limit.to_string()])
        .await?;
    if values.first().map(String::as_str) != Some("ok") {
        return Ok(None);
    }
    values.remove(0);
    Ok(Some(values))
}

/// Applies `calls` in one pipeline; true per call whose group was loaded.
pub async fn apply_all(redis: &Client, calls: &[Call<'_>]) -> RedisResult<Vec<bool>> {
    let results: Vec<i64> = run_all(redis, calls).await?;
    Ok(results.into_iter().map(|r| r >= 0).collect())
}
