//! The batch consumer's failure paths against a real nats-server: a transient failure is
//! retried until it passes, a permanent one dead-letters only its culprit, a dead-letter
//! store that refuses keeps the message, and a stop leaves nothing waiting for the ack wait.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod batch_rig;

use std::{sync::Arc, time::Duration};

use batch_rig::{Rig, Scripted, wait_until};
use tokio::sync::Semaphore;

const WITHIN: Duration = Duration::from_secs(10);

fn sorted(mut numbers: Vec<u64>) -> Vec<u64> {
    numbers.sort_unstable();
    numbers
}

#[tokio::test]
async fn a_transient_failure_is_retried_and_applied_once_the_fault_clears() {
    let rig = Rig::start().await;
    let applier = Scripted::default();
    applier.with(|s| s.down = true);
    let persister = rig.persister(&applier);
    rig.publish(1..=3).await;
    wait_until(WITHIN, "the failed batch comes back", || async {
        applier.read(|s| s.attempted.iter().filter(|n| **n == 1).count() >= 2)
    })
    .await;
    assert!(applier.read(|s| s.applied.is_empty()));
    applier.with(|s| s.down = false);
    wait_until(WITHIN, "every event applied after the fault", || async {
        applier.read(|s| s.applied.len() >= 3)
    })
    .await;
    wait_until(WITHIN, "every event acknowledged", || async {
        rig.ack_pending().await == 0
    })
    .await;
    persister.stop().await;
    assert_eq!(applier.read(|s| sorted(s.applied.clone())), vec![1, 2, 3]);
    assert!(rig.dead_letters().await.is_empty(), "nothing dead-lettered");
}

#[tokio::test]
async fn a_permanent_failure_dead_letters_only_the_culprit() {
    let rig = Rig::start().await;
    let applier = Scripted::default();
    applier.with(|s| s.poison.insert(3));
    // Published before the consumer runs, so they arrive as one batch.
    rig.publish(1..=5).await;
    let persister = rig.persister(&applier);
    wait_until(WITHIN, "the culprit is dead-lettered", || async {
        !rig.dead_letters().await.is_empty()
    })
    .await;
    wait_until(WITHIN, "every event settled", || async {
        rig.ack_pending().await == 0
    })
    .await;
    persister.stop().await;
    assert_eq!(
        applier.read(|s| sorted(s.applied.clone())),
        vec![1, 2, 4, 5]
    );
    let letters = rig.dead_letters().await;
    assert_eq!(letters.len(), 1, "only the culprit: {letters:?}");
    assert_eq!(letters[0].0, "3");
    assert!(
        letters[0].1.contains("3 violates a constraint"),
        "the reason travels with it: {}",
        letters[0].1
    );
}

#[tokio::test]
async fn a_refusing_dead_letter_store_keeps_the_message_until_it_works_again() {
    let rig = Rig::start().await;
    rig.js.delete_stream("DEAD_LETTERS").await.unwrap();
    let applier = Scripted::default();
    applier.with(|s| s.poison.insert(7));
    let persister = rig.persister(&applier);
    rig.publish([7]).await;
    wait_until(
        WITHIN,
        "the poison comes back while the store is gone",
        || async { applier.read(|s| s.attempted.len() >= 3) },
    )
    .await;
    rig.ensure_streams().await;
    wait_until(
        WITHIN,
        "the poison is dead-lettered once the store works",
        || async { rig.dead_letters().await.len() == 1 },
    )
    .await;
    wait_until(WITHIN, "the poison is settled", || async {
        rig.ack_pending().await == 0
    })
    .await;
    persister.stop().await;
    assert_eq!(rig.dead_letters().await[0].0, "7");
    assert!(applier.read(|s| s.applied.is_empty()));
}

#[tokio::test]
async fn a_stop_with_a_batch_in_hand_applies_and_acknowledges_it() {
    let rig = Rig::start().await;
    let gate = Arc::new(Semaphore::new(0));
    let applier = Scripted {
        gate: Some(Arc::clone(&gate)),
        ..Scripted::default()
    };
    let persister = rig.persister(&applier);
    rig.publish(1..=4).await;
    wait_until(WITHIN, "a batch is in hand", || async {
        applier.read(|s| !s.attempted.is_empty())
    })
    .await;
    let stopping = tokio::spawn(persister.stop());
    gate.add_permits(100);
    tokio::time::timeout(WITHIN, stopping)
        .await
        .unwrap()
        .unwrap();
    // What the stopped consumer took is settled now, not after the ack wait (60 s): the
    // server handles acks asynchronously, so allow it a moment.
    settled(&rig).await;
    let stream = rig.stream(batch_rig::STREAM).await;
    let info = stream.consumer_info(batch_rig::CONSUMER).await.unwrap();
    let applied = applier.read(|s| s.applied.len()) as u64;
    assert_eq!(
        applied + info.num_pending,
        4,
        "every event applied or still queued"
    );
}

#[tokio::test]
async fn a_stop_while_pulling_leaves_no_message_waiting_for_the_ack_wait() {
    let rig = Rig::start().await;
    let applier = Scripted::default();
    let mut spec = rig.spec();
    // A long pull: the messages are delivered to it well before it returns.
    spec.max_wait = Duration::from_secs(2);
    let persister = mesh::batch::Persister::start(rig.js.clone(), spec, applier.clone());
    rig.publish(1..=4).await;
    wait_until(WITHIN, "the pull holds the messages", || async {
        rig.ack_pending().await == 4
    })
    .await;
    tokio::time::timeout(WITHIN, persister.stop())
        .await
        .unwrap();
    settled(&rig).await;
    assert_eq!(
        applier.read(|s| sorted(s.applied.clone())),
        vec![1, 2, 3, 4]
    );
}

/// Every delivered message is acknowledged within a couple of seconds, far short of the
/// rig's 60 s ack wait: nothing was left to wait for it.
async fn settled(rig: &Rig) {
    wait_until(
        Duration::from_secs(2),
        "nothing left for the ack wait",
        || async { rig.ack_pending().await == 0 },
    )
    .await;
}
