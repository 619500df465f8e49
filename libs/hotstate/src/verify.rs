//! The drift verifier: finds groups whose Redis state differs from what MySQL plus the tail
//! say (a Redis fail-over or restart that lost recent writes to keys that still exist, a
//! repair that failed) and rebuilds them. Every `hot.verify_interval_secs` it takes the
//! [`Recent`] sample — the groups this instance's persisted batches touched lately — and,
//! per group, computes the truth the way a rebuild does (the domain's [`Truth`]) and
//! compares it with Redis in bounded commands (`HLEN`/`ZCARD`, then `HMGET`/`ZMSCORE` in
//! chunks of `hot.install_chunk`).
//!
//! **One instance per group.** The persistence consumer is shared by every instance (the
//! server splits the messages), so each instance verifies the groups of the batches it
//! persisted: the work is split without a lease, and two instances checking one group (each
//! persisted some of its events) is harmless.
//!
//! **Repair = drop + rebuild.** A group that differs is compared once more (a write between
//! the truth and the Redis read looks like drift; the second look rules most of those out),
//! then its keys are unlinked and it is rebuilt through the domain's ordinary rebuild, whose
//! exactness `tail` proves for a missing group: a live write that lands in between finds the
//! group missing and rebuilds it too (install-if-missing keeps one). Installing the truth
//! over the live keys instead could erase such a write. Missing groups are skipped: the
//! next read rebuilds them. Repairs count `hot_drift_repaired_total{domain}`.

use std::{collections::HashMap, hash::Hash, sync::Arc, time::Duration};

use fred::prelude::{Client, HashesInterface, KeysInterface, SortedSetsInterface};
use futures::future::BoxFuture;

use crate::{Staged, recent::Recent, script::RedisResult};

/// Groups whose truth is computed together (one MySQL query per kind of group).
const CHUNK: usize = 100;

/// Groups with the keys (and content) a rebuild of each would install.
pub type Groups<K> = Vec<(K, Vec<Staged>)>;

/// What the verifier needs from a domain: its truth and its rebuild.
pub trait Truth: Send + Sync + 'static {
    type Key: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static;
    fn domain(&self) -> &'static str;
    fn redis(&self) -> &Client;
    /// Each of `keys`' groups as MySQL plus the tail say it is: the keys a rebuild would
    /// install, with their content.
    fn truth(&self, keys: Vec<Self::Key>) -> BoxFuture<'_, Result<Groups<Self::Key>, String>>;
    /// Rebuilds the (now missing) groups `keys`, as a read that missed them would.
    fn rebuild(&self, keys: Vec<Self::Key>) -> BoxFuture<'_, Result<(), String>>;
}

/// The verifier's task; stops when dropped.
pub struct Verifier {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Verifier {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Verifier {
    /// Verifies `recent`'s sample every `hot.verify_interval_secs`.
    pub fn start<T: Truth>(
        truth: Arc<T>,
        recent: Arc<Recent<T::Key>>,
        settings: &settings::HotSettings,
    ) -> Self {
        let every = Duration::from_secs(settings.verify_interval_secs.max(1));
        let chunk = settings.install_chunk.max(1);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let sample = recent.round();
                if let Err(err) = verify(truth.as_ref(), sample, chunk).await {
                    tracing::warn!(domain = truth.domain(), error = err, "verifying hot state");
                }
            }
        });
        Self { task }
    }
}

/// Verifies `keys` and rebuilds the groups that differ; how many were rebuilt.
pub async fn verify<T: Truth>(truth: &T, keys: Vec<T::Key>, chunk: usize) -> Result<usize, String> {
    let mut repaired = 0;
    for part in keys.chunks(CHUNK) {
        metrics::counter!("hot_verified_groups_total", "domain" => truth.domain())
            .increment(part.len() as u64);
        let differ = differing(truth, part.to_vec(), chunk).await?;
        if differ.is_empty() {
            continue;
        }
        let still = differing(truth, differ.into_keys().collect(), chunk).await?;
        if still.is_empty() {
            continue;
        }
        let targets: Vec<String> = still.values().flatten().cloned().collect();
        let keys: Vec<T::Key> = still.into_keys().collect();
        tracing::warn!(domain = truth.domain(), groups = ?keys, "hot state drifted from MySQL; rebuilding");
        unlink(truth.redis(), targets)
            .await
            .map_err(|e| e.to_string())?;
        truth.rebuild(keys.clone()).await?;
        metrics::counter!("hot_drift_repaired_total", "domain" => truth.domain())
            .increment(keys.len() as u64);
        repaired += keys.len();
    }
    Ok(repaired)
}

/// The groups of `keys` that Redis holds and holds differently, with their key names.
async fn differing<T: Truth>(
    truth: &T,
    keys: Vec<T::Key>,
    chunk: usize,
) -> Result<HashMap<T::Key, Vec<String>>, String> {
    let mut out = HashMap::new();
    for (key, group) in truth.truth(keys).await? {
        let held = holds(truth.redis(), &group, chunk)
            .await
            .map_err(|e| e.to_string())?;
        if held == Some(false) {
            out.insert(key, group.iter().map(|s| s.target().to_owned()).collect());
        }
    }
    Ok(out)
}

/// Whether Redis holds exactly `group`; `None` when a key of it is missing (not loaded).
pub async fn holds(redis: &Client, group: &[Staged], chunk: usize) -> RedisResult<Option<bool>> {
    let mut same = true;
    for staged in group {
        match staged {
            Staged::Hash(key, fields) => {
                let len: usize = redis.hlen(key).await?;
                if len == 0 {
                    return Ok(None);
                }
                same &= len == fields.len() && hash_holds(redis, key, fields, chunk).await?;
            }
            Staged::Zset(key, members) => {
                let len: usize = redis.zcard(key).await?;
                if len == 0 {
                    return Ok(None);
                }
                same &= len == members.len() && zset_holds(redis, key, members, chunk).await?;
            }
        }
    }
    Ok(Some(same))
}

async fn hash_holds(
    redis: &Client,
    key: &str,
    fields: &[(String, String)],
    chunk: usize,
) -> RedisResult<bool> {
    for part in fields.chunks(chunk) {
        let names: Vec<&str> = part.iter().map(|(field, _)| field.as_str()).collect();
        let values: Vec<Option<String>> = redis.hmget(key, names).await?;
        let want = part.iter().map(|(_, value)| Some(value));
        if !values.iter().map(Option::as_ref).eq(want) {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn zset_holds(
    redis: &Client,
    key: &str,
    members: &[(f64, String)],
    chunk: usize,
) -> RedisResult<bool> {
    for part in members.chunks(chunk) {
        let names: Vec<&str> = part.iter().map(|(_, member)| member.as_str()).collect();
        let scores: Vec<Option<f64>> = redis.zmscore(key, names).await?;
        let want = part.iter().map(|(score, _)| Some(*score));
        if !scores.into_iter().eq(want) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Drops a drifted group's keys (one slot: one command).
async fn unlink(redis: &Client, keys: Vec<String>) -> RedisResult<()> {
    let _: i64 = redis.unlink(keys).await?;
    Ok(())
}
