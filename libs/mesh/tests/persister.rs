//! The supervised persister against a real nats-server: a deleted consumer or stream comes
//! back and persistence goes on, a start while the server is down recovers when it returns,
//! a panicking applier is restarted, its health says all of it, and the lag read from the
//! server moves while every batch fails.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod batch_rig;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use batch_rig::{CONSUMER, Rig, STREAM, Scripted, wait_until};
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Persister, Sequenced};

/// Restarts back off 1 s, then 2 s, 4 s…: room for a few of them on a busy machine.
const WITHIN: Duration = Duration::from_secs(30);

fn sorted(mut numbers: Vec<u64>) -> Vec<u64> {
    numbers.sort_unstable();
    numbers
}

async fn wait_applied(applier: &Scripted, expected: Vec<u64>) {
    wait_until(WITHIN, &format!("{expected:?} applied"), || async {
        applier.read(|s| sorted(s.applied.clone())) == expected
    })
    .await;
}

#[tokio::test]
async fn a_deleted_consumer_is_recreated_and_later_events_are_persisted() {
    let rig = Rig::start().await;
    let applier = Scripted::default();
    let persister = Persister::start_with(
        rig.js.clone(),
        rig.spec(),
        rig.supervision(),
        applier.clone(),
    );
    rig.publish(1..=2).await;
    wait_applied(&applier, vec![1, 2]).await;

    rig.stream(STREAM)
        .await
        .delete_consumer(CONSUMER)
        .await
        .unwrap();
    rig.publish(3..=4).await;
    // The recreated consumer delivers the whole stream again (`deliver_policy: all`);
    // applying by sequence makes the replay of 1 and 2 harmless.
    wait_until(WITHIN, "3 and 4 applied", || async {
        applier.read(|s| s.applied.contains(&3) && s.applied.contains(&4))
    })
    .await;
    assert!(persister.health().check().is_ok());
    persister.stop().await;
}

#[tokio::test]
async fn a_deleted_stream_is_recreated_and_later_events_are_persisted() {
    let rig = Rig::start().await;
    let applier = Scripted::default();
    let persister = Persister::start_with(
        rig.js.clone(),
        rig.spec(),
        rig.supervision(),
        applier.clone(),
    );
    rig.publish([1]).await;
    wait_applied(&applier, vec![1]).await;

    rig.js.delete_stream(STREAM).await.unwrap();
    // Publishes fail until the persister has recreated the stream: retry like a client.
    wait_until(WITHIN, "the stream takes publishes again", || async {
        match rig.js.publish("num.2", "2".into()).await {
            Ok(ack) => ack.await.is_ok(),
            Err(_) => false,
        }
    })
    .await;
    wait_until(WITHIN, "2 applied", || async {
        applier.read(|s| s.applied.contains(&2))
    })
    .await;
    persister.stop().await;
}

#[tokio::test]
async fn a_start_while_the_server_is_down_recovers_when_it_returns_and_health_says_so() {
    let mut rig = Rig::start().await;
    rig.server.stop().await;
    let applier = Scripted::default();
    let persister = Persister::start_with(
        rig.js.clone(),
        rig.spec(),
        rig.supervision(),
        applier.clone(),
    );
    let health = persister.health();
    wait_until(WITHIN, "health reports the failure", || async {
        health
            .check()
            .is_err_and(|reason| reason.contains("restarting after"))
    })
    .await;

    rig.server.restart().await.unwrap();
    wait_until(WITHIN, "health is ok again", || async {
        health.check().is_ok()
    })
    .await;
    rig.publish(1..=3).await;
    wait_applied(&applier, vec![1, 2, 3]).await;
    persister.stop().await;
}

/// Panics on its first batch, then applies like [`Scripted`].
#[derive(Clone, Default)]
struct PanicsOnce {
    panicked: Arc<AtomicBool>,
    inner: Scripted,
}

impl ApplyBatch for PanicsOnce {
    type Event = u64;

    fn apply<'a>(&'a self, batch: &'a [Sequenced<u64>]) -> BoxFuture<'a, Result<(), ApplyError>> {
        assert!(
            self.panicked.swap(true, Ordering::SeqCst),
            "the applier panics (a bug in a domain's persistence)"
        );
        self.inner.apply(batch)
    }
}

#[tokio::test]
async fn a_panicking_applier_is_restarted_and_later_events_are_persisted() {
    let rig = Rig::start().await;
    let applier = PanicsOnce::default();
    let persister = Persister::start(rig.js.clone(), rig.spec(), applier.clone());
    rig.publish([1]).await;
    wait_until(WITHIN, "the applier panicked", || async {
        applier.panicked.load(Ordering::SeqCst)
    })
    .await;
    // The panicked run's batch (1) waits for the ack wait; what comes after goes through.
    rig.publish(2..=3).await;
    wait_applied(&applier.inner, vec![2, 3]).await;
    persister.stop().await;
}

#[tokio::test]
async fn the_lag_read_from_the_server_counts_what_waits_while_every_batch_fails() {
    let rig = Rig::start().await;
    let applier = Scripted::default();
    applier.with(|s| s.down = true);
    let persister = rig.persister(&applier);
    rig.publish(1..=5).await;
    wait_until(WITHIN, "a batch was attempted", || async {
        applier.read(|s| !s.attempted.is_empty())
    })
    .await;
    let lag = mesh::lag::read(&rig.js, STREAM, CONSUMER).await.unwrap();
    assert_eq!(lag.unpersisted, 5, "{lag:?}");
    assert!(lag.oldest.is_some(), "the oldest event has an age: {lag:?}");

    applier.with(|s| s.down = false);
    wait_until(WITHIN, "nothing left unpersisted", || async {
        let lag = mesh::lag::read(&rig.js, STREAM, CONSUMER).await.unwrap();
        lag.unpersisted == 0 && lag.oldest.is_none()
    })
    .await;
    persister.stop().await;
}
