//! The in-memory stream tail against a real nats-server: it indexes events by key, forgets
//! what the persistence consumer acknowledged, keeps what a rebuild pinned, and a rebuild
//! waits until the tail has seen every event published before it asked.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull};
use futures::StreamExt;
use hotstate::Tail;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Event {
    key: i64,
    n: u64,
}

fn key_of(event: &Event) -> Vec<i64> {
    vec![event.key]
}

async fn publish(js: &jetstream::Context, n: u64) {
    let event = Event {
        key: n as i64 % 3,
        n,
    };
    let payload = serde_json::to_vec(&event).unwrap();
    js.publish("t.event", payload.into())
        .await
        .unwrap()
        .await
        .unwrap();
}

/// Acknowledges (as the persistence consumer would, after its commit) the next `count`.
async fn persist(js: &jetstream::Context, count: usize) {
    let batch = js
        .get_stream("T")
        .await
        .unwrap()
        .get_consumer::<pull::Config>("persist")
        .await
        .unwrap()
        .fetch()
        .max_messages(count)
        .messages()
        .await
        .unwrap();
    let messages: Vec<_> = batch.take(count).collect().await;
    for message in messages {
        message.unwrap().double_ack().await.unwrap();
    }
}

async fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_tail_holds_exactly_the_unpersisted_events_a_rebuild_needs() {
    let nats = testkit::NatsServer::start().await.unwrap();
    let js = jetstream::new(nats.client().await.unwrap());
    let settings = settings::HotSettings {
        tail_poll_ms: 20,
        ..Default::default()
    };
    let tail: Tail<Event, i64> = support::stream_and_tail(&js, 1, &settings, key_of).await;
    for n in 1..=9 {
        publish(&js, n).await;
    }
    // A rebuild right after the publishes sees all of them: it waits for the tail.
    let pin = tail.pin().unwrap();
    assert_eq!(pin.floor(), 0);
    let events = pin.events(&[1]).await.unwrap();
    let seqs: Vec<u64> = events[&1].iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, [1, 4, 7], "key 1's events, oldest first");

    // Persisted events are forgotten, except while a rebuild has pinned them.
    persist(&js, 6).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(tail.len(), 9, "pinned at floor 0: nothing dropped");
    let still = pin.events(&[1]).await.unwrap();
    assert_eq!(still[&1].len(), 3);
    drop(pin);
    until("the persisted events are dropped", || tail.len() == 3).await;
    let pin = tail.pin().unwrap();
    assert_eq!(pin.floor(), 6);
    let events = pin.events(&[0, 1, 2]).await.unwrap();
    let seqs = |key: i64| -> Vec<u64> { events[&key].iter().map(|(s, _)| *s).collect() };
    assert_eq!((seqs(0), seqs(1), seqs(2)), (vec![9], vec![7], vec![8]));
    assert_eq!(events[&0][0].1.n, 9);
}
