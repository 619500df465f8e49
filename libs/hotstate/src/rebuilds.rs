//! Rebuilds coalesced and bulkheaded: concurrent misses of one key in one instance share
//! one rebuild (other instances' duplicates are harmless: install-if-missing), and at most
//! `rebuild_concurrency` rebuilds run at once, apart from the request permits, so a cold
//! start cannot starve the lookups that hit.
//!
//! A caller that joins a rebuild already under way gets a group rebuilt from a stream
//! position read after that rebuild began, not after its own miss; that is still exact:
//! the key was missing all along in between (a rebuild installs only at its end), so no
//! write was applied to it that the rebuild could miss.
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
use tokio::sync::Semaphore;

type Flight<E> = Shared<BoxFuture<'static, Result<(), Arc<E>>>>;

/// The in-flight rebuilds of one kind of key group, and their bulkhead.
pub struct Rebuilds<K, E> {
    flights: Arc<Mutex<HashMap<K, Flight<E>>>>,
    permits: Arc<Semaphore>,
    domain: &'static str,
}

impl<K, E> Rebuilds<K, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    /// `domain` labels the metrics (`favorite`, `comment`, `relation`).
    pub fn new(domain: &'static str, settings: &settings::HotSettings) -> Self {
        Self {
            flights: Arc::new(Mutex::new(HashMap::new())),
            permits: Arc::new(Semaphore::new(settings.rebuild_concurrency.max(1))),
            domain,
        }
    }

    /// Rebuilds `keys`: those already in flight are awaited, the others are handed to
    /// `rebuild` together (one batch, one permit) and shared with whoever asks meanwhile.
    pub async fn run<F, Fut>(&self, keys: &[K], rebuild: F) -> Result<(), Arc<E>>
    where
        F: FnOnce(Vec<K>) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let (mut waits, fresh) = {
            let flights = self.lock();
            let mut waits = Vec::new();
            let mut fresh = Vec::new();
            for key in keys {
                match flights.get(key) {
                    Some(flight) => waits.push(flight.clone()),
                    None if !fresh.contains(key) => fresh.push(key.clone()),
                    None => {}
                }
            }
            (waits, fresh)
        };
        if !fresh.is_empty() {
            let flight = self.launch(fresh, rebuild);
            waits.push(flight);
        }
        join_all(waits).await.into_iter().collect()
    }

    fn launch<F, Fut>(&self, fresh: Vec<K>, rebuild: F) -> Flight<E>
    where
        F: FnOnce(Vec<K>) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let work = rebuild(fresh.clone());
        let (flights, permits, mine) = (
            Arc::clone(&self.flights),
            Arc::clone(&self.permits),
            fresh.clone(),
        );
        let domain = self.domain;
        metrics::counter!("hot_rebuilt_groups_total", "domain" => domain)
            .increment(fresh.len() as u64);
        // The rebuild runs in a task of its own, not only while a caller polls it: callers
        // give up (time-outs, a dropped request), and a rebuild nobody polled any more kept
        // its bulkhead permit and its place in `flights` for good — after a Redis flush
        // under load every permit ended up held that way and no rebuild ever ran again.
        let task = tokio::spawn(async move {
            let started = std::time::Instant::now();
            let result = match permits.acquire_owned().await {
                Ok(_permit) => work.await.map_err(Arc::new),
                // The semaphore is never closed; if it were, run without the bulkhead.
                Err(_) => work.await.map_err(Arc::new),
            };
            let outcome = if result.is_ok() { "ok" } else { "error" };
            metrics::counter!("hot_rebuilds_total", "domain" => domain, "outcome" => outcome)
                .increment(1);
            metrics::histogram!("hot_rebuild_seconds", "domain" => domain)
                .record(started.elapsed().as_secs_f64());
            let mut flights = flights.lock().unwrap_or_else(|p| p.into_inner());
            for key in &mine {
                flights.remove(key);
            }
            result
        });
        let flight = async move {
            match task.await {
                Ok(result) => result,
                // A panicking rebuild panics its callers, as it did when they ran it.
                Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
                // Cancelled: only when the runtime shuts down.
                Err(_) => futures::future::pending().await,
            }
        }
        .boxed()
        .shared();
        let mut flights = self.lock();
        for key in fresh {
            flights.insert(key, flight.clone());
        }
        flight
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Flight<E>>> {
        self.flights.lock().unwrap_or_else(|p| p.into_inner())
    }
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
        assert!(rebuilds.lock().is_empty(), "no flight left behind");
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
