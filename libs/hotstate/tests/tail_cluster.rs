//! The stream tail on a 3-node cluster: its ordered consumer is a single-replica ephemeral
//! one, so losing the node that holds it for good must not leave the tail stalled (every
//! rebuild of that instance failing) until the client library's heartbeats notice, 30-60 s
//! later. This is the fault runner's "cluster node kill" row (a comment list answered 503
//! for 30 s after a node was lost) in miniature.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull};
use futures::{StreamExt, TryStreamExt};
use hotstate::Tail;
use serde::{Deserialize, Serialize};
use testkit::NatsCluster;

#[derive(Debug, Serialize, Deserialize)]
struct Event {
    n: u64,
}

fn key_of(_: &Event) -> Vec<i64> {
    vec![1]
}

/// Under the 30-60 s before the library's missed heartbeats would recreate the consumer,
/// with room for leader elections on a loaded machine (8.6 s and 16.6 s measured here, on
/// the shared 2-core machine under builds).
const RECOVERS_WITHIN: Duration = Duration::from_secs(25);

/// Retries `what` until it succeeds or `within` has passed (elections after a kill).
async fn retry<T, F: std::future::Future<Output = anyhow::Result<T>>>(
    what: &str,
    within: Duration,
    mut attempt: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(err) if Instant::now() > deadline => panic!("{what}: {err:#}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn publish(js: &jetstream::Context, n: u64) -> anyhow::Result<u64> {
    let payload = serde_json::to_vec(&Event { n })?;
    let ack = js.publish("t.event", payload.into()).await?.await?;
    Ok(ack.sequence)
}

/// Acknowledges what is there, as the persistence consumer does after its commit.
async fn persist(js: &jetstream::Context) -> anyhow::Result<()> {
    let consumer = js
        .get_stream("T")
        .await?
        .get_consumer::<pull::Config>("persist")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut batch = consumer
        .fetch()
        .max_messages(100)
        .messages()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    while let Some(message) = batch.next().await {
        message
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .double_ack()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// The node holding the tail's ordered consumer (the stream's only other consumer).
async fn tail_consumer_node(js: &jetstream::Context) -> anyhow::Result<String> {
    let stream = js.get_stream("T").await?;
    let names: Vec<String> = stream.consumer_names().try_collect().await?;
    let name = names
        .into_iter()
        .find(|name| name != "persist")
        .ok_or_else(|| anyhow::anyhow!("no tail consumer"))?;
    let info = stream.consumer_info(&name).await?;
    let cluster = info.cluster.clone();
    cluster
        .and_then(|c| c.leader)
        .ok_or_else(|| anyhow::anyhow!("consumer {name} has no leader"))
}

#[tokio::test]
async fn the_tail_recovers_soon_after_the_node_holding_its_consumer_is_lost() {
    let mut cluster = NatsCluster::start().await.unwrap();
    let js = jetstream::new(async_nats::connect(cluster.addrs()).await.unwrap());
    let settings = settings::HotSettings {
        tail_poll_ms: 50,
        tail_wait_ms: 1_000,
        ..Default::default()
    };
    let tail: Tail<Event, i64> = support::stream_and_tail(&js, 3, &settings, key_of).await;
    publish(&js, 1).await.unwrap();
    let pin = tail.pin().unwrap();
    assert_eq!(pin.events(&[1]).await.unwrap()[&1].len(), 1);
    drop(pin);

    let node = retry("finding the tail's consumer", RECOVERS_WITHIN, || {
        tail_consumer_node(&js)
    })
    .await;
    cluster.kill(&node).await.unwrap();
    let killed = Instant::now();
    let last = retry("publishing after the kill", RECOVERS_WITHIN, || {
        publish(&js, 2)
    })
    .await;
    let published = killed.elapsed();
    retry("persisting after the kill", RECOVERS_WITHIN, || {
        persist(&js)
    })
    .await;
    let persisted = killed.elapsed();

    // A rebuild must soon find every event again: the tail follows the stream once more.
    let events = retry(
        "a rebuild after the kill",
        RECOVERS_WITHIN + RECOVERS_WITHIN / 2,
        || async {
            let pin = tail.pin()?;
            Ok(pin.events(&[1]).await?)
        },
    )
    .await;
    let recovered = killed.elapsed();
    println!(
        "after the kill of {node}: published +{published:?}, persisted +{persisted:?}, tail +{recovered:?}"
    );
    assert!(
        recovered < RECOVERS_WITHIN,
        "the tail took {recovered:?} to follow the stream again after {node} was lost"
    );
    let seqs: Vec<u64> = events[&1].iter().map(|(seq, _)| *seq).collect();
    assert!(
        seqs.is_empty() || seqs.last() == Some(&last),
        "the tail holds what is unpersisted, up to {last}: {seqs:?}"
    );
}
