//! The handle an instance reads its run-time settings through: one atomic pointer load per
//! read (arc-swap), no lock on the request path. A background task follows the bucket and
//! swaps in each accepted change; refusals are logged, counted
//! (`config_changes_total{outcome="refused"}`) and kept for [`Live::last_refusal`].

use std::{
    sync::{Arc, Mutex, Weak},
    time::Duration,
};

use arc_swap::ArcSwap;
use async_nats::jetstream::{self, kv::Operation};
use futures::StreamExt;
use settings::{FeatureSettings, Settings};
use tokio::sync::watch;
use wordfilter::{FilterError, WordFilter};

use crate::{
    Key, Refusal, Snapshot,
    layer::{Base, Overrides},
};

/// Cheap to clone; every clone sees the same values.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    base: Base,
    current: ArcSwap<Snapshot>,
    /// Written only by the follower (one change at a time); read by nothing hot.
    overrides: Mutex<Overrides>,
    last_refusal: Mutex<Option<Refusal>>,
    /// Bumped after every applied change, for those that rebuild state from it (edge limits).
    changes: watch::Sender<u64>,
}

/// The sensitive-word filter as it is now; `mask` and `is_clean` read the current list.
#[derive(Clone)]
pub struct LiveFilter(Live);

impl LiveFilter {
    pub fn mask(&self, text: &str) -> String {
        self.0.inner.current.load().filter.mask(text)
    }

    pub fn is_clean(&self, text: &str) -> bool {
        self.0.inner.current.load().filter.is_clean(text)
    }
}

impl Live {
    /// The base layer of `settings`, with `filter` as the base word filter (the edge, which
    /// masks nothing, passes an empty one).
    pub fn new(settings: &Settings, filter: WordFilter) -> Self {
        let base = Base {
            settings: settings.clone(),
            filter: Arc::new(filter),
        };
        let first = base.with(&Overrides::new()).unwrap_or_else(|_| Snapshot {
            limits: settings.edge.limits.clone(),
            features: settings.features,
            filter: Arc::clone(&base.filter),
            log_filter: None,
        });
        Self {
            inner: Arc::new(Inner {
                base,
                current: ArcSwap::from_pointee(first),
                overrides: Mutex::new(Overrides::new()),
                last_refusal: Mutex::new(None),
                changes: watch::Sender::new(0),
            }),
        }
    }

    /// [`Live::new`] with the word list `filter.words_path` names (or the built-in one).
    pub fn load(settings: &Settings) -> Result<Self, FilterError> {
        let filter = WordFilter::load(settings.filter.words_path.as_deref())?;
        Ok(Self::new(settings, filter))
    }

    /// A worker's word filter that follows the bucket on `nats` from now on.
    pub fn words(
        settings: &Settings,
        nats: &async_nats::Client,
    ) -> Result<LiveFilter, FilterError> {
        let live = Self::load(settings)?;
        live.follow(nats.clone(), settings.nats.replicas);
        Ok(live.filter())
    }

    /// Starts following the bucket on `nats` (creating it with `replicas` copies if needed),
    /// for as long as a clone of this handle lives. While NATS is unreachable the values stay
    /// as they are and the follower retries.
    pub fn follow(&self, nats: async_nats::Client, replicas: usize) {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(follow(weak, jetstream::new(nats), replicas));
    }

    /// The values in use now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.current.load_full()
    }

    /// The feature switches in use now.
    pub fn features(&self) -> FeatureSettings {
        self.inner.current.load().features
    }

    pub fn filter(&self) -> LiveFilter {
        LiveFilter(self.clone())
    }

    /// Changes as a counter: `changed().await` wakes after each applied change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }

    /// The latest value this instance refused, if any.
    pub fn last_refusal(&self) -> Option<Refusal> {
        lock(&self.inner.last_refusal).clone()
    }

    /// Applies the bucket's `value` of `name` (`None`: deleted, back to the base layer), or
    /// refuses it whole and keeps what runs.
    pub fn receive(&self, name: &str, value: Option<&str>) -> Result<(), Refusal> {
        let outcome = self.inner.receive(name, value);
        let label = if outcome.is_ok() {
            "applied"
        } else {
            "refused"
        };
        let key = Key::parse(name).map_or("unknown", Key::name);
        metrics::counter!("config_changes_total", "key" => key, "outcome" => label).increment(1);
        match &outcome {
            Ok(()) => tracing::info!(key = name, deleted = value.is_none(), "config applied"),
            Err(refusal) => {
                tracing::warn!(key = name, reason = %refusal.reason, "config value refused");
                *lock(&self.inner.last_refusal) = Some(refusal.clone());
            }
        }
        outcome
    }
}

impl Inner {
    fn receive(&self, name: &str, value: Option<&str>) -> Result<(), Refusal> {
        let refusal = |reason: String| Refusal {
            key: name.to_owned(),
            reason,
        };
        let key = Key::parse(name).map_err(refusal)?;
        let mut overrides = lock(&self.overrides);
        let mut next = overrides.clone();
        match value {
            Some(value) => next.insert(key, value.to_owned()),
            None => next.remove(&key),
        };
        let snapshot = self.base.with(&next).map_err(refusal)?;
        let old_log_filter = self.current.load().log_filter.clone();
        if snapshot.log_filter != old_log_filter {
            telemetry::set_log_filter(snapshot.log_filter.as_deref()).map_err(refusal)?;
        }
        self.current.store(Arc::new(snapshot));
        *overrides = next;
        self.changes.send_modify(|count| *count += 1);
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How often a quiet follower checks that its handle still lives.
const LOOK_UP_EVERY: Duration = Duration::from_secs(1);

/// Watches the bucket until the handle is dropped, re-opening the watch after any error.
async fn follow(live: Weak<Inner>, js: jetstream::Context, replicas: usize) {
    let mut backoff = Duration::from_millis(100);
    while live.strong_count() > 0 {
        match watch_once(&live, &js, replicas).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(err) => tracing::warn!(error = %err, "following the config bucket"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Applies every key's latest value, then each change as it comes.
async fn watch_once(
    live: &Weak<Inner>,
    js: &jetstream::Context,
    replicas: usize,
) -> Result<(), String> {
    let store = crate::open(js, replicas).await?;
    let mut entries = store
        .watch_with_history(">")
        .await
        .map_err(|err| err.to_string())?;
    loop {
        // Wakes now and then to notice a dropped handle, so the watch and its NATS
        // connection are not kept for ever by a follower nobody reads.
        let Ok(next) = tokio::time::timeout(LOOK_UP_EVERY, entries.next()).await else {
            if live.strong_count() == 0 {
                return Ok(());
            }
            continue;
        };
        let Some(entry) = next else {
            return Ok(());
        };
        let entry = entry.map_err(|err| err.to_string())?;
        let Some(inner) = live.upgrade() else {
            return Ok(());
        };
        let live = Live { inner };
        let text = String::from_utf8_lossy(&entry.value);
        let value = matches!(entry.operation, Operation::Put).then_some(text.as_ref());
        // A refusal is logged and kept by `receive`; the follower goes on.
        let _ = live.receive(&entry.key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_value_keeps_the_running_one_and_a_delete_restores_the_base() {
        let live = Live::new(&Settings::default(), WordFilter::default());
        let base = live.snapshot().limits.per_ip;
        let tight = r#"{"per_second": 1, "burst": 3}"#;
        live.receive("edge.limits.per_ip", Some(tight)).unwrap();
        assert_eq!(live.snapshot().limits.per_ip.burst, 3);
        let zero = r#"{"per_second": 0, "burst": 3}"#;
        let refused = live.receive("edge.limits.per_ip", Some(zero)).unwrap_err();
        assert_eq!(live.last_refusal(), Some(refused));
        assert_eq!(
            live.snapshot().limits.per_ip.burst,
            3,
            "the running value stays"
        );
        live.receive("features.registration", Some("off")).unwrap();
        assert!(!live.features().registration);
        live.receive("edge.limits.per_ip", None).unwrap();
        assert_eq!(live.snapshot().limits.per_ip, base);
        assert!(!live.features().registration, "other keys keep their value");
        assert_eq!(*live.subscribe().borrow(), 3);
    }
}
