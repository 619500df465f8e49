//! Bounded in-process caches of immutable facts looked up by id in batches (profiles, video
//! metadata and its media keys). A page asks for N ids and pays one batch request for the
//! ones no cache holds; concurrent lookups of one id share one load; an id the owner does
//! not know is remembered only briefly, so random missing ids cannot fill memory for good.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use futures::{
    FutureExt,
    future::{BoxFuture, Shared, try_join_all},
};
use moka::{Expiry, future::Cache};

use crate::CallError;

/// The result of one batch load, shared by every lookup waiting for one of its ids.
type Batch<V> = Shared<BoxFuture<'static, Result<Arc<HashMap<i64, V>>, CallError>>>;

/// What the cache holds for an id.
#[derive(Clone)]
enum Slot<V: Clone> {
    /// Loaded: the value, or `None` when the owning domain does not know the id.
    Ready(Option<V>),
    /// A batch that holds this id is on its way; wait for it instead of asking again.
    Loading(Batch<V>),
}

/// How long a slot lives: a fact until evicted by size, a miss or a load in flight briefly.
struct Lifetimes {
    negative: Duration,
    loading: Duration,
}

impl<V: Clone> Expiry<i64, Slot<V>> for Lifetimes {
    fn expire_after_create(&self, _: &i64, slot: &Slot<V>, _: Instant) -> Option<Duration> {
        match slot {
            Slot::Ready(Some(_)) => None,
            Slot::Ready(None) => Some(self.negative),
            Slot::Loading(_) => Some(self.loading),
        }
    }

    fn expire_after_update(
        &self,
        key: &i64,
        slot: &Slot<V>,
        at: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        self.expire_after_create(key, slot, at)
    }
}

/// Sizes and lifetimes of one [`Lookup`].
#[derive(Debug, Clone, Copy)]
pub struct LookupLimits {
    /// Most ids held at once (found and missing together); least useful ones go first.
    pub max_entries: u64,
    /// How long "no such id" is believed.
    pub negative_ttl: Duration,
    /// How long a load may stay in flight before the next lookup starts its own.
    pub load_ttl: Duration,
}

/// The loads one lookup waits for, each once, and which id comes from which.
struct Pending<V: Clone> {
    batches: Vec<Batch<V>>,
    waits: Vec<(i64, usize)>,
}

impl<V: Clone> Default for Pending<V> {
    fn default() -> Self {
        Self {
            batches: Vec::new(),
            waits: Vec::new(),
        }
    }
}

impl<V: Clone> Pending<V> {
    fn wait(&mut self, id: i64, batch: Batch<V>) {
        let index = match self.batches.iter().position(|b| b.ptr_eq(&batch)) {
            Some(index) => index,
            None => {
                self.batches.push(batch);
                self.batches.len() - 1
            }
        };
        self.waits.push((id, index));
    }
}

/// `cache_lookups_total{cache, result}` per id asked for: `hit` (held, found or known
/// missing), `shared` (joined a load another lookup started) or `miss` (loaded now). The
/// hit ratio is `hit / all`; handles looked up once, not per lookup.
struct Counters {
    hit: metrics::Counter,
    shared: metrics::Counter,
    miss: metrics::Counter,
}

impl Counters {
    fn new(cache: &'static str) -> Self {
        let result = |result: &'static str| metrics::counter!("cache_lookups_total", "cache" => cache, "result" => result);
        Self {
            hit: result("hit"),
            shared: result("shared"),
            miss: result("miss"),
        }
    }
}

/// A cache of id → immutable value in front of a batch loader.
pub struct Lookup<V: Clone + Send + Sync + 'static> {
    cache: Cache<i64, Slot<V>>,
    id_of: fn(&V) -> i64,
    counters: Counters,
}

impl<V: Clone + Send + Sync + 'static> Lookup<V> {
    /// `id_of` reads the id back out of a loaded value, so replies may come in any order;
    /// `name` labels its metrics (`profiles`, `videos`).
    pub fn new(name: &'static str, limits: LookupLimits, id_of: fn(&V) -> i64) -> Self {
        let cache = Cache::builder()
            .max_capacity(limits.max_entries)
            .expire_after(Lifetimes {
                negative: limits.negative_ttl,
                loading: limits.load_ttl,
            })
            .build();
        Self {
            cache,
            id_of,
            counters: Counters::new(name),
        }
    }

    /// The values of `ids` that exist. Ids no cache holds are loaded with one call of
    /// `load`; a load that fails is not remembered.
    pub async fn get_many<F, Fut>(&self, ids: &[i64], load: F) -> Result<HashMap<i64, V>, CallError>
    where
        F: FnOnce(Vec<i64>) -> Fut,
        Fut: Future<Output = Result<Vec<V>, CallError>> + Send + 'static,
    {
        let mut found = HashMap::with_capacity(ids.len());
        let mut pending = Pending::default();
        let mut missing = Vec::new();
        for &id in ids {
            match self.cache.get(&id).await {
                Some(Slot::Ready(Some(value))) => drop(found.insert(id, value)),
                Some(Slot::Ready(None)) => {}
                Some(Slot::Loading(batch)) => pending.wait(id, batch),
                None => missing.push(id),
            }
        }
        missing.sort_unstable();
        missing.dedup();
        let asked = ids.len() as u64;
        let shared = pending.waits.len() as u64;
        self.counters.miss.increment(missing.len() as u64);
        self.counters.shared.increment(shared);
        self.counters
            .hit
            .increment(asked.saturating_sub(shared + missing.len() as u64));
        let owned = self.claim(missing, load, &mut found, &mut pending).await;
        let results = match try_join_all(pending.batches.iter().cloned()).await {
            Ok(results) => results,
            Err(err) => {
                // A failure is never cached: the next lookup of these ids loads them again
                // (also when the lookup that started the load has gone away meanwhile).
                for (id, _) in &pending.waits {
                    self.cache.invalidate(id).await;
                }
                return Err(err);
            }
        };
        for (id, index) in pending.waits {
            if let Some(value) = results[index].get(&id) {
                found.insert(id, value.clone());
            }
        }
        // Our slots now hold what the load found, misses included (briefly).
        for id in owned {
            let value = found.get(&id).cloned();
            self.cache.insert(id, Slot::Ready(value)).await;
        }
        Ok(found)
    }

    /// Claims the slots of `missing` for one batch load, whose ids join `pending`; ids
    /// another lookup claimed first are waited for (or taken) instead. Returns the ids this
    /// lookup claimed.
    async fn claim<F, Fut>(
        &self,
        missing: Vec<i64>,
        load: F,
        found: &mut HashMap<i64, V>,
        pending: &mut Pending<V>,
    ) -> Vec<i64>
    where
        F: FnOnce(Vec<i64>) -> Fut,
        Fut: Future<Output = Result<Vec<V>, CallError>> + Send + 'static,
    {
        if missing.is_empty() {
            return Vec::new();
        }
        let id_of = self.id_of;
        // The batch asks for every missing id: one that raced in meanwhile is loaded twice,
        // which is harmless, rather than delaying the request to find out.
        let batch: Batch<V> = load(missing.clone())
            .map(move |loaded| {
                loaded.map(|values| Arc::new(values.into_iter().map(|v| (id_of(&v), v)).collect()))
            })
            .boxed()
            .shared();
        let mut owned = Vec::with_capacity(missing.len());
        for id in missing {
            let entry = self
                .cache
                .entry(id)
                .or_insert_with(async { Slot::Loading(batch.clone()) })
                .await;
            if entry.is_fresh() {
                owned.push(id);
                pending.wait(id, batch.clone());
                continue;
            }
            match entry.into_value() {
                Slot::Ready(Some(value)) => drop(found.insert(id, value)),
                Slot::Ready(None) => {}
                Slot::Loading(theirs) => pending.wait(id, theirs),
            }
        }
        owned
    }

    /// How many ids the cache holds right now (after pending evictions are applied).
    pub async fn len(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.entry_count()
    }

    /// True when the cache holds nothing.
    pub async fn is_empty(&self) -> bool {
        self.len().await == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn lookup(max_entries: u64) -> Lookup<i64> {
        let limits = LookupLimits {
            max_entries,
            negative_ttl: Duration::from_millis(50),
            load_ttl: Duration::from_secs(5),
        };
        Lookup::new("test", limits, |value| *value)
    }

    /// A loader that knows the even ids and counts the batches it is asked for.
    fn evens(
        calls: &Arc<AtomicUsize>,
    ) -> impl FnOnce(Vec<i64>) -> BoxFuture<'static, Result<Vec<i64>, CallError>> {
        let calls = Arc::clone(calls);
        move |ids| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Ok(ids.into_iter().filter(|id| id % 2 == 0).collect()) }.boxed()
        }
    }

    async fn lookup_7(cache: &Lookup<i64>, calls: &Arc<AtomicUsize>) -> HashMap<i64, i64> {
        cache.get_many(&[7], evens(calls)).await.unwrap()
    }

    fn assert_loads(calls: &AtomicUsize, expected: usize, message: &str) {
        assert_eq!(calls.load(Ordering::SeqCst), expected, "{message}");
    }

    #[tokio::test]
    async fn found_ids_are_loaded_once_in_one_batch() {
        let (cache, calls) = (lookup(100), Arc::new(AtomicUsize::new(0)));
        let found = cache.get_many(&[2, 4, 4, 5], evens(&calls)).await.unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[&4], 4);
        let again = cache.get_many(&[2, 4], evens(&calls)).await.unwrap();
        assert_eq!(again.len(), 2);
        assert_loads(&calls, 1, "the second lookup was a hit");
    }

    #[tokio::test]
    async fn a_missing_id_is_believed_missing_only_briefly() {
        let (cache, calls) = (lookup(100), Arc::new(AtomicUsize::new(0)));
        assert!(lookup_7(&cache, &calls).await.is_empty());
        assert!(lookup_7(&cache, &calls).await.is_empty());
        assert_loads(&calls, 1, "the miss was remembered");
        assert_eq!(cache.len().await, 1);
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(lookup_7(&cache, &calls).await.is_empty());
        assert_loads(&calls, 2, "an expired miss is asked again");
    }

    #[tokio::test]
    async fn concurrent_lookups_of_an_id_share_one_load() {
        let (cache, calls) = (Arc::new(lookup(100)), Arc::new(AtomicUsize::new(0)));
        let gate = Arc::new(tokio::sync::Notify::new());
        let slow = {
            let (calls, gate) = (Arc::clone(&calls), Arc::clone(&gate));
            move |ids: Vec<i64>| async move {
                // Counted when the load runs, which is after its ids were claimed.
                calls.fetch_add(1, Ordering::SeqCst);
                gate.notified().await;
                Ok(ids)
            }
        };
        let first = tokio::spawn({
            let cache = Arc::clone(&cache);
            async move { cache.get_many(&[10, 12], slow).await }
        });
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let second = cache.get_many(&[12], evens(&calls));
        let release = async {
            tokio::task::yield_now().await;
            gate.notify_one();
        };
        let (second, ()) = tokio::join!(second, release);
        assert_eq!(first.await.unwrap().unwrap().len(), 2);
        assert_eq!(second.unwrap()[&12], 12);
        assert_loads(&calls, 1, "the second lookup loaded again");
    }

    #[tokio::test]
    async fn a_failed_load_is_not_remembered() {
        let (cache, calls) = (lookup(100), Arc::new(AtomicUsize::new(0)));
        let failing = |_| async { Err(CallError::Timeout("demo.v1.get")) };
        let err = cache.get_many(&[2], failing).await.unwrap_err();
        assert_eq!(err, CallError::Timeout("demo.v1.get"));
        assert!(cache.is_empty().await);
        assert_eq!(cache.get_many(&[2], evens(&calls)).await.unwrap()[&2], 2);
    }

    #[tokio::test]
    async fn the_cache_holds_at_most_its_entries() {
        let (cache, calls) = (lookup(50), Arc::new(AtomicUsize::new(0)));
        for chunk in (0..2_000).collect::<Vec<i64>>().chunks(100) {
            cache.get_many(chunk, evens(&calls)).await.unwrap();
        }
        assert!(cache.len().await <= 50, "{} entries", cache.len().await);
    }
}
