//! `Tail`: one instance's in-memory copy of its stream's unpersisted events, so a rebuild of
//! a lost key costs what the key holds — no JetStream consumer on the request path, no read
//! of the whole backlog.
//!
//! - **Following.** One ordered consumer per instance reads the whole stream from the
//!   persistence consumer's ack floor + 1. Each event is decoded once and indexed under the
//!   keys the domain's `keys` fn names (a like: its user, video and author), so a rebuild
//!   reads only the events of the key it rebuilds. The reader is supervised: when the
//!   consumer ends or fails it starts again after the last event seen.
//! - **Forgetting.** Every `tail_poll_ms` the persistence consumer's ack floor is read and
//!   the events at or below it are dropped: the consumer acks a batch only after its MySQL
//!   transaction committed, so they are in the database. Rebuilds in progress pin their
//!   floor, and nothing above a pinned floor is dropped.
//! - **Never stalled for long.** An ordered consumer is a single-replica ephemeral one: when
//!   the node holding it is lost for good, the client library notices only after two missed
//!   idle heartbeats (30-60 s), and meanwhile every rebuild fails. So the reader is also
//!   restarted (a new consumer, after the last event seen) when the persistence consumer has
//!   acknowledged events the tail has not seen and the tail did not move for `tail_wait_ms`,
//!   and when a rebuild gave up waiting for it.
//! - **Bounded.** Past `tail_max_events` (the database is far behind) the tail drops what it
//!   holds and starts over at the newest event; rebuilds then fail with [`HotError::Behind`]
//!   (a 503) until the ack floor passes that point, instead of rebuilding from a tail with a
//!   hole. Same when the tail cannot catch up with the stream within `tail_wait_ms`.
//!
//! **The order of a rebuild** (what makes it exact): (1) [`Tail::pin`] takes the ack floor F
//! the tail last read — every event ≤ F is in MySQL, every event > F stays in memory while
//! pinned; (2) the domain reads MySQL: it holds everything ≤ F, perhaps more; (3)
//! [`Pin::events`] reads the stream's last sequence L *after* (2) began, waits until the tail
//! has seen L and returns the key's events > F. Every event published before the key was
//! found missing is ≤ L, so it is in (2) or (3) — in particular an event applied to the old
//! key and lost with it. Events in both are harmless: the domain merges by stream sequence
//! (newest wins, the consumer's own rule). Events after L reach the key through their own
//! requests, whose scripts find the key missing (and rebuild) or present (and apply).
//!
//! L is one `STREAM.INFO`, shared by every rebuild of the instance that asks while no fetch
//! that started after them has finished (at most two per burst of misses, whatever its size).

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    hash::Hash,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use async_nats::jetstream;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::HotError;

mod reader;

use reader::{ack_floor, follow, forget};

/// Which stream a tail follows and how its events are indexed.
pub struct TailSpec<E, K> {
    pub stream: &'static str,
    /// The durable consumer that persists the stream; its ack floor says what is in MySQL.
    pub persist_consumer: &'static str,
    /// The keys an event belongs to (a rebuild of one of them needs it).
    pub keys: fn(&E) -> Vec<K>,
}

/// A handle on the follower; clones share it. The tasks stop when the last clone is dropped.
pub struct Tail<E, K> {
    inner: Arc<Inner<E, K>>,
    _tasks: Arc<AbortOnDrop>,
}

impl<E, K> Clone for Tail<E, K> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            _tasks: Arc::clone(&self._tasks),
        }
    }
}

struct Inner<E, K> {
    js: jetstream::Context,
    spec: TailSpec<E, K>,
    buffer: Mutex<Buffer<E, K>>,
    /// The newest stream sequence the follower has read.
    seen: watch::Sender<u64>,
    /// The last `STREAM.INFO` answer and when that fetch started (single flight).
    last: tokio::sync::Mutex<Option<(Instant, u64)>>,
    wait: Duration,
    max_events: usize,
    /// Tells the reader to drop its consumer and start again after the last event seen.
    restart: tokio::sync::Notify,
}

struct Buffer<E, K> {
    /// Every event of the stream above `start` (and up to `seen`) that decoded.
    events: BTreeMap<u64, (Arc<E>, Vec<K>)>,
    index: HashMap<K, BTreeSet<u64>>,
    start: u64,
    /// The persistence consumer's ack floor, as last read.
    floor: u64,
    /// Floors of rebuilds in progress (floor → how many).
    pins: BTreeMap<u64, usize>,
    /// Bumped when the tail starts over; a pin from before cannot trust the buffer.
    epoch: u64,
}

struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

fn js_error(err: impl std::fmt::Display) -> HotError {
    HotError::JetStream(err.to_string())
}

impl<E, K> Tail<E, K>
where
    E: DeserializeOwned + Send + Sync + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
{
    /// Starts following `spec.stream` from its persistence consumer's ack floor.
    pub async fn start(
        js: jetstream::Context,
        spec: TailSpec<E, K>,
        settings: &settings::HotSettings,
    ) -> Result<Self, HotError> {
        let floor = ack_floor(&js, spec.stream, spec.persist_consumer).await?;
        let inner = Arc::new(Inner {
            js,
            spec,
            buffer: Mutex::new(Buffer {
                events: BTreeMap::new(),
                index: HashMap::new(),
                start: floor,
                floor,
                pins: BTreeMap::new(),
                epoch: 0,
            }),
            seen: watch::Sender::new(floor),
            last: tokio::sync::Mutex::new(None),
            wait: Duration::from_millis(settings.tail_wait_ms),
            max_events: settings.tail_max_events,
            restart: tokio::sync::Notify::new(),
        });
        let poll = Duration::from_millis(settings.tail_poll_ms);
        let tasks = vec![
            tokio::spawn(follow(Arc::clone(&inner))),
            tokio::spawn(forget(Arc::clone(&inner), poll)),
        ];
        Ok(Self {
            inner,
            _tasks: Arc::new(AbortOnDrop(tasks)),
        })
    }

    /// Step (1) of a rebuild (see the module docs): read MySQL after this, then call
    /// [`Pin::events`].
    pub fn pin(&self) -> Result<Pin<E, K>, HotError> {
        let mut buffer = self.inner.lock();
        if buffer.floor < buffer.start {
            return Err(HotError::Behind(format!(
                "{} tail starts at {} but the database holds only up to {}",
                self.inner.spec.stream, buffer.start, buffer.floor
            )));
        }
        let floor = buffer.floor;
        *buffer.pins.entry(floor).or_default() += 1;
        Ok(Pin {
            inner: Arc::clone(&self.inner),
            floor,
            epoch: buffer.epoch,
        })
    }

    /// How many events the tail holds (for tests and metrics).
    pub fn len(&self) -> usize {
        self.inner.lock().events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A rebuild's hold on the tail: nothing above `floor` is dropped while it lives.
pub struct Pin<E, K> {
    inner: Arc<Inner<E, K>>,
    floor: u64,
    epoch: u64,
}

impl<E, K: Hash + Eq + Clone> Pin<E, K> {
    /// Every event ≤ this is in the database.
    pub fn floor(&self) -> u64 {
        self.floor
    }

    /// Step (3): the events of each of `keys` above the floor, oldest first, once the tail
    /// has seen everything published before this call.
    pub async fn events(&self, keys: &[K]) -> Result<HashMap<K, Vec<(u64, Arc<E>)>>, HotError> {
        let last = self.inner.last_seq().await?;
        let mut seen = self.inner.seen.subscribe();
        let caught_up = tokio::time::timeout(self.inner.wait, seen.wait_for(|s| *s >= last));
        if !matches!(caught_up.await, Ok(Ok(_))) {
            tracing::warn!(
                stream = self.inner.spec.stream,
                last,
                "stream tail is behind; restarting its reader"
            );
            self.inner.restart.notify_one();
            return Err(HotError::Behind(format!(
                "{} tail has not reached sequence {last}",
                self.inner.spec.stream
            )));
        }
        let buffer = self.inner.lock();
        if buffer.epoch != self.epoch {
            return Err(HotError::Behind(format!(
                "{} tail started over during a rebuild",
                self.inner.spec.stream
            )));
        }
        let mut out = HashMap::with_capacity(keys.len());
        for key in keys {
            let events = buffer.index.get(key).into_iter().flatten();
            let events = events
                .filter(|seq| **seq > self.floor)
                .filter_map(|seq| Some((*seq, Arc::clone(&buffer.events.get(seq)?.0))))
                .collect();
            out.insert(key.clone(), events);
        }
        Ok(out)
    }
}

impl<E, K> Drop for Pin<E, K> {
    fn drop(&mut self) {
        let mut buffer = self.inner.lock();
        if let Some(count) = buffer.pins.get_mut(&self.floor) {
            *count -= 1;
            if *count == 0 {
                buffer.pins.remove(&self.floor);
            }
        }
    }
}

impl<E, K> Inner<E, K> {
    fn lock(&self) -> MutexGuard<'_, Buffer<E, K>> {
        // A panic while holding the lock leaves the buffer consistent (each change is a
        // single insert or removal pass), so a poisoned lock is still usable.
        self.buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stream's last sequence, from a `STREAM.INFO` that started after this call.
    async fn last_seq(&self) -> Result<u64, HotError> {
        let asked = Instant::now();
        let mut last = self.last.lock().await;
        if let Some((fetched, value)) = *last
            && fetched >= asked
        {
            return Ok(value);
        }
        let started = Instant::now();
        let stream = self
            .js
            .get_stream(self.spec.stream)
            .await
            .map_err(js_error)?;
        let value = stream.cached_info().state.last_sequence;
        *last = Some((started, value));
        Ok(value)
    }
}
