//! The tail's two background tasks (see the parent module's docs): the reader, which
//! follows the stream with an ordered consumer and indexes each event under its keys, and
//! the forgetter, which drops what the database holds and restarts a stalled reader.

use std::{
    hash::Hash,
    sync::Arc,
    time::{Duration, Instant},
};

use async_nats::jetstream::{
    self,
    consumer::{DeliverPolicy, pull},
};
use futures::StreamExt;
use serde::de::DeserializeOwned;

use super::{Inner, js_error};
use crate::HotError;

pub(super) async fn ack_floor(
    js: &jetstream::Context,
    stream: &str,
    consumer: &str,
) -> Result<u64, HotError> {
    let stream = js.get_stream(stream).await.map_err(js_error)?;
    let info = stream.consumer_info(consumer).await.map_err(js_error)?;
    Ok(info.ack_floor.stream_sequence)
}

/// The reader: follows the stream for ever, starting again after the last event seen.
pub(super) async fn follow<E, K>(inner: Arc<Inner<E, K>>)
where
    E: DeserializeOwned + Send + Sync + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
{
    loop {
        let from = *inner.seen.borrow() + 1;
        let followed = tokio::select! {
            followed = follow_from(&inner, from) => followed,
            () = inner.restart.notified() => Err(js_error("the reader stalled")),
        };
        if let Err(err) = followed {
            tracing::warn!(stream = inner.spec.stream, from, %err, "stream tail reader restarts");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn follow_from<E, K>(inner: &Inner<E, K>, from: u64) -> Result<(), HotError>
where
    E: DeserializeOwned,
    K: Hash + Eq + Clone,
{
    let stream = inner
        .js
        .get_stream(inner.spec.stream)
        .await
        .map_err(js_error)?;
    let consumer = stream
        .create_consumer(pull::OrderedConfig {
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: from,
            },
            ..Default::default()
        })
        .await
        .map_err(js_error)?;
    let mut messages = consumer.messages().await.map_err(js_error)?;
    while let Some(message) = messages.next().await {
        let message = message.map_err(js_error)?;
        let seq = message.info().map_err(js_error)?.stream_sequence;
        let event = serde_json::from_slice::<E>(&message.payload).ok();
        if event.is_none() {
            // The persistence consumer dead-letters it; no rebuild can use it either.
            tracing::warn!(
                stream = inner.spec.stream,
                seq,
                "undecodable event in the tail"
            );
        }
        inner.push(seq, event);
    }
    Err(js_error("the ordered consumer ended"))
}

impl<E, K: Hash + Eq + Clone> Inner<E, K> {
    fn push(&self, seq: u64, event: Option<E>) {
        let mut buffer = self.lock();
        if seq <= *self.seen.borrow() {
            return;
        }
        if let Some(event) = event.filter(|_| seq > buffer.start) {
            if buffer.events.len() >= self.max_events {
                tracing::error!(
                    stream = self.spec.stream,
                    held = buffer.events.len(),
                    "stream tail full: the database is far behind; rebuilds fail until it catches up"
                );
                buffer.events.clear();
                buffer.index.clear();
                buffer.start = seq - 1;
                buffer.epoch += 1;
            }
            let keys = (self.spec.keys)(&event);
            for key in &keys {
                buffer.index.entry(key.clone()).or_default().insert(seq);
            }
            buffer.events.insert(seq, (Arc::new(event), keys));
        }
        drop(buffer);
        self.seen.send_replace(seq);
    }

    /// Drops the events at or below `floor` that no rebuild has pinned.
    fn forget_to(&self, floor: u64) {
        let mut buffer = self.lock();
        buffer.floor = buffer.floor.max(floor);
        let pinned = buffer.pins.keys().next().copied().unwrap_or(u64::MAX);
        let to = buffer.floor.min(pinned);
        while let Some(entry) = buffer.events.first_entry() {
            if *entry.key() > to {
                break;
            }
            let (seq, (_, keys)) = entry.remove_entry();
            for key in keys {
                if let Some(seqs) = buffer.index.get_mut(&key) {
                    seqs.remove(&seq);
                    if seqs.is_empty() {
                        buffer.index.remove(&key);
                    }
                }
            }
        }
        buffer.start = buffer.start.max(to);
    }
}

/// The forgetter: reads the ack floor every `poll` and drops what the database holds.
pub(super) async fn forget<E, K: Hash + Eq + Clone>(inner: Arc<Inner<E, K>>, poll: Duration) {
    let mut ticks = tokio::time::interval(poll);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stall = Stall::default();
    loop {
        ticks.tick().await;
        match ack_floor(&inner.js, inner.spec.stream, inner.spec.persist_consumer).await {
            Ok(floor) => {
                inner.forget_to(floor);
                if stall.stuck(floor, *inner.seen.borrow(), inner.wait) {
                    tracing::warn!(
                        stream = inner.spec.stream,
                        floor,
                        "stream tail stalled below the ack floor; restarting its reader"
                    );
                    inner.restart.notify_one();
                }
            }
            Err(err) => tracing::warn!(stream = inner.spec.stream, %err, "reading the ack floor"),
        }
    }
}

/// Watches for a reader that stopped: events are in the database (at or below the ack
/// floor) that the tail has not seen, and it has not moved for a while. Behind the floor
/// for a moment is normal (the persister may ack before the tail's delivery arrives).
#[derive(Default)]
struct Stall {
    /// The sequence the tail was at when it was first seen below the floor, and when.
    since: Option<(u64, Instant)>,
}

impl Stall {
    /// True once `seen` stayed below `floor`, unchanged, for `patience`; then starts over.
    fn stuck(&mut self, floor: u64, seen: u64, patience: Duration) -> bool {
        match self.since {
            _ if seen >= floor => self.since = None,
            Some((at, since)) if at == seen => {
                if since.elapsed() >= patience {
                    self.since = None;
                    return true;
                }
            }
            _ => self.since = Some((seen, Instant::now())),
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_is_stuck_only_when_it_stays_below_the_floor_without_moving() {
        let mut stall = Stall::default();
        let patience = Duration::from_millis(30);
        assert!(!stall.stuck(10, 10, patience), "at the floor");
        assert!(!stall.stuck(12, 10, patience), "just fell behind");
        std::thread::sleep(patience);
        assert!(!stall.stuck(14, 11, patience), "behind but moving");
        assert!(!stall.stuck(14, 11, patience), "not for long enough yet");
        std::thread::sleep(patience);
        assert!(stall.stuck(14, 11, patience), "stuck");
        assert!(
            !stall.stuck(14, 11, patience),
            "starts over after a restart"
        );
    }
}
