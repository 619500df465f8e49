//! Rebuilds coalesced, batched and bulkheaded: concurrent misses of one key in one instance
//! share one rebuild (other instances' duplicates are harmless: install-if-missing), and at
//! most `rebuild_concurrency` rebuilds run at once, apart from the request permits, so a cold
//! start cannot starve the lookups that hit.
//!
//! **Batched.** A rebuild costs about the same whether it holds 3 groups or 300 (its MySQL
//! queries, the stream's last sequence, one install script), so misses that find every
//! permit taken do not queue one rebuild each: they join the one batch waiting for the next
//! permit (up to [`MAX_BATCH`] groups), which rebuilds them together. After a Redis flush
//! under load that is what keeps the queue short: each page's few groups not already in
//! flight were one rebuild each, and the queue of those outlived the callers' time-outs
//! (loadtest/RESULTS.md, cold start). With a permit free, a rebuild starts at once, alone.
//!
//! A caller that joins a rebuild already under way gets a group rebuilt from a stream
//! position read after that rebuild began, not after its own miss; that is still exact:
//! the key was missing all along in between (a rebuild installs only at its end), so no
//! write was applied to it that the rebuild could miss. A batch that has not begun yet is
//! the simpler case: it begins after the miss.
//!
//! Metrics, by `domain`: `hot_rebuilt_groups_total` (groups found missing in Redis and
//! rebuilt: the hot state's misses), `hot_rebuilds_total{outcome}` (rebuild runs, `ok` or
//! `error`) and `hot_rebuild_seconds` (a run, its wait for the bulkhead included).

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
};

use futures::{
    FutureExt,
    future::{BoxFuture, Shared, join_all},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most groups one batch of misses gathers while it waits for a permit: bounded MySQL
/// `IN` lists and install scripts (see `install`), still hundreds of pages' worth.
pub const MAX_BATCH: usize = 1_000;

type Flight<E> = Shared<BoxFuture<'static, Result<(), Arc<E>>>>;

/// The in-flight rebuilds of one kind of key group, and their bulkhead.
pub struct Rebuilds<K, E> {
    state: Arc<Mutex<Flights<K, E>>>,
    permits: Arc<Semaphore>,
    domain: &'static str,
}

/// How a rebuild begins: now, with a free permit and its keys, or as waiting batch N, whose
/// keys are taken once it gets a permit.
enum Begin<K> {
    Now(OwnedSemaphorePermit, Vec<K>),
    Waiting(u64),
}

/// Which rebuild each key waits for, and the batches still waiting for a permit.
struct Flights<K, E> {
    by_key: HashMap<K, Flight<E>>,
    /// Keys of each batch not begun yet, by batch number.
    waiting: HashMap<u64, Vec<K>>,
    /// The batch that misses join, while it waits and has room.
    open: Option<(u64, Flight<E>)>,
    next_batch: u64,
}

impl<K, E> Rebuilds<K, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    /// `domain` labels the metrics (`favorite`, `comment`, `relation`).
    pub fn new(domain: &'static str, settings: &settings::HotSettings) -> Self {
        Self {
            state: Arc::new(Mutex::new(Flights {
                by_key: HashMap::new(),
                waiting: HashMap::new(),
                open: None,
                next_batch: 0,
            })),
            permits: Arc::new(Semaphore::new(settings.rebuild_concurrency.max(1))),
            domain,
        }
    }

    /// Rebuilds `keys`: those already in flight are awaited, the others are handed to
    /// `rebuild` together and shared with whoever asks meanwhile. Every caller's `rebuild`
    /// must rebuild whatever keys it is given the same way: a batch that later misses
    /// joined is rebuilt by the `rebuild` of the miss that opened it.
    pub async fn run<F, Fut>(&self, keys: &[K], rebuild: F) -> Result<(), Arc<E>>
    where
        F: FnOnce(Vec<K>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let mut waits = Vec::new();
        {
            // One lock for finding and starting: two misses of one key must not both start.
            let mut flights = self.lock();
            let mut fresh = Vec::new();
            for key in keys {
                match flights.by_key.get(key) {
                    Some(flight) => waits.push(flight.clone()),
                    None if !fresh.contains(key) => fresh.push(key.clone()),
                    None => {}
                }
            }
            if !fresh.is_empty() {
                metrics::counter!("hot_rebuilt_groups_total", "domain" => self.domain)
                    .increment(fresh.len() as u64);
                waits.push(self.start(&mut flights, fresh, rebuild));
            }
        }
        join_all(waits).await.into_iter().collect()
    }

    /// The rebuild `fresh` waits for: begun now with a free permit, else the open batch
    /// (joined while it has room), else a new open batch.
    fn start<F, Fut>(&self, flights: &mut Flights<K, E>, fresh: Vec<K>, rebuild: F) -> Flight<E>
    where
        F: FnOnce(Vec<K>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let flight = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => self.launch(Begin::Now(permit, fresh.clone()), rebuild),
            Err(_) => match &flights.open {
                Some((batch, flight))
                    if flights.waiting.get(batch).map_or(0, Vec::len) + fresh.len()
                        <= MAX_BATCH =>
                {
                    let (batch, flight) = (*batch, flight.clone());
                    flights
                        .waiting
                        .entry(batch)
                        .or_default()
                        .extend(fresh.clone());
                    flight
                }
                _ => {
                    let batch = flights.next_batch;
                    flights.next_batch += 1;
                    flights.waiting.insert(batch, fresh.clone());
                    let flight = self.launch(Begin::Waiting(batch), rebuild);
                    flights.open = Some((batch, flight.clone()));
                    flight
                }
            },
        };
        for key in fresh {
            flights.by_key.insert(key, flight.clone());
        }
        flight
    }

    /// The rebuild `begin` describes, as a shared flight.
    fn launch<F, Fut>(&self, begin: Begin<K>, rebuild: F) -> Flight<E>
    where
        F: FnOnce(Vec<K>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let (state, permits, domain) = (
            Arc::clone(&self.state),
            Arc::clone(&self.permits),
            self.domain,
        );
        // The rebuild runs in a task of its own, not only while a caller polls it: callers
        // give up (time-outs, a dropped request), and a rebuild nobody polled any more kept
        // its bulkhead permit and its place in the flights for good — after a Redis flush
        // under load every permit ended up held that way and no rebuild ever ran again.
        let task = tokio::spawn(async move {
            let started = std::time::Instant::now();
            let (_permit, keys) = match begin {
                Begin::Now(permit, keys) => (Some(permit), keys),
                // The semaphore is never closed; if it were, run without the bulkhead.
                Begin::Waiting(batch) => {
                    let permit = permits.acquire_owned().await.ok();
                    (permit, close(&state, batch))
                }
            };
            let result = rebuild(keys.clone()).await.map_err(Arc::new);
            let outcome = if result.is_ok() { "ok" } else { "error" };
            metrics::counter!("hot_rebuilds_total", "domain" => domain, "outcome" => outcome)
                .increment(1);
            metrics::histogram!("hot_rebuild_seconds", "domain" => domain)
                .record(started.elapsed().as_secs_f64());
            let mut flights = lock(&state);
            for key in &keys {
                flights.by_key.remove(key);
            }
            result
        });
        async move {
            match task.await {
                Ok(result) => result,
                // A panicking rebuild panics its callers, as it did when they ran it.
                Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
                // Cancelled: only when the runtime shuts down.
                Err(_) => futures::future::pending().await,
            }
        }
        .boxed()
        .shared()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Flights<K, E>> {
        lock(&self.state)
    }
}

/// Takes waiting `batch`'s keys as it begins; misses after this open a new batch.
fn close<K, E>(state: &Mutex<Flights<K, E>>, batch: u64) -> Vec<K> {
    let mut flights = lock(state);
    if flights
        .open
        .as_ref()
        .is_some_and(|(open, _)| *open == batch)
    {
        flights.open = None;
    }
    flights.waiting.remove(&batch).unwrap_or_default()
}

fn lock<K, E>(state: &Mutex<Flights<K, E>>) -> std::sync::MutexGuard<'_, Flights<K, E>> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_rebuild_whose_caller_gave_up_still_ends_and_frees_its_permit() {
        let rebuilds: Arc<Rebuilds<i64, String>> = Arc::new(Rebuilds::new("test", &settings(1)));
        let slow = tokio::spawn({
            let rebuilds = Arc::clone(&rebuilds);
            async move {
                rebuilds
                    .run(&[1], |_| async {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        Ok(())
                    })
                    .await
            }
        });
        // The caller gives up while its rebuild holds the only permit.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        slow.abort();
        let next = rebuilds.run(&[2], |_| async { Ok(()) });
        let done = tokio::time::timeout(std::time::Duration::from_secs(2), next).await;
        assert!(matches!(done, Ok(Ok(()))), "the permit was never freed");
        assert!(rebuilds.lock().by_key.is_empty(), "no flight left behind");
    }

    fn settings(concurrency: usize) -> settings::HotSettings {
        settings::HotSettings {
            rebuild_concurrency: concurrency,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn concurrent_misses_of_one_key_share_one_rebuild() {
        let rebuilds: Arc<Rebuilds<i64, String>> = Arc::new(Rebuilds::new("test", &settings(4)));
        let runs = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        let callers: Vec<_> = (0..10)
            .map(|_| {
                let (rebuilds, runs, mut gate) =
                    (Arc::clone(&rebuilds), Arc::clone(&runs), gate.clone());
                tokio::spawn(async move {
                    rebuilds
                        .run(&[7], |_| async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            let _ = gate.wait_for(|open| *open).await;
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send_replace(true);
        for caller in callers {
            caller.await.unwrap().unwrap();
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn misses_that_find_every_permit_taken_are_rebuilt_in_one_batch() {
        let rebuilds: Arc<Rebuilds<i64, String>> = Arc::new(Rebuilds::new("test", &settings(1)));
        let batches = Arc::new(Mutex::new(Vec::new()));
        let (release, gate) = tokio::sync::watch::channel(false);
        let run = |keys: Vec<i64>| {
            let (rebuilds, batches, mut gate) =
                (Arc::clone(&rebuilds), Arc::clone(&batches), gate.clone());
            tokio::spawn(async move {
                rebuilds
                    .run(&keys, move |keys| async move {
                        batches.lock().unwrap().push(keys);
                        let _ = gate.wait_for(|open| *open).await;
                        Ok(())
                    })
                    .await
            })
        };
        // The first miss takes the only permit; the next ones, while it is held, gather.
        let first = run(vec![1]);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let later: Vec<_> = [vec![2, 3], vec![3, 4], vec![5]]
            .into_iter()
            .map(run)
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        release.send_replace(true);
        first.await.unwrap().unwrap();
        for caller in later {
            caller.await.unwrap().unwrap();
        }
        let batches = batches.lock().unwrap().clone();
        assert_eq!(batches, [vec![1], vec![2, 3, 4, 5]]);
        assert!(rebuilds.lock().by_key.is_empty(), "no flight left behind");
        assert!(rebuilds.lock().waiting.is_empty() && rebuilds.lock().open.is_none());
    }

    #[tokio::test]
    async fn a_failed_rebuild_is_not_remembered() {
        let rebuilds: Rebuilds<i64, String> = Rebuilds::new("test", &settings(1));
        let failed = rebuilds
            .run(&[1], |_| async { Err("down".to_owned()) })
            .await;
        assert_eq!(failed.unwrap_err().as_str(), "down");
        rebuilds.run(&[1], |_| async { Ok(()) }).await.unwrap();
    }

    #[tokio::test]
    async fn no_more_rebuilds_run_at_once_than_the_bulkhead_allows() {
        let rebuilds: Arc<Rebuilds<i64, String>> = Arc::new(Rebuilds::new("test", &settings(2)));
        let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let callers: Vec<_> = (0..8)
            .map(|key| {
                let (rebuilds, now, peak) =
                    (Arc::clone(&rebuilds), Arc::clone(&now), Arc::clone(&peak));
                tokio::spawn(async move {
                    rebuilds
                        .run(&[key], |_| async move {
                            let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(running, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            now.fetch_sub(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for caller in callers {
            caller.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
