//! `nats.replicas = 3` on a real 3-node cluster: every stream a persisting domain creates
//! has 3 replicas, and an acknowledged event survives killing its stream's leader — the
//! stream stays readable and takes new publishes once a new leader is elected.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use async_nats::jetstream;
use mesh::streams::Persisted;
use testkit::NatsCluster;

const FAVORITES: &str = include_str!("../../../nats/streams/FAVORITES.json");
const FAVORITE_PERSIST: &str = include_str!("../../../nats/consumers/favorite-persist.json");
const COMMENTS: &str = include_str!("../../../nats/streams/COMMENTS.json");
const COMMENT_PERSIST: &str = include_str!("../../../nats/consumers/comment-persist.json");
const RELATIONS: &str = include_str!("../../../nats/streams/RELATIONS.json");
const RELATION_PERSIST: &str = include_str!("../../../nats/consumers/relation-persist.json");

/// Leader elections after a kill take a few seconds; more on a busy machine.
const WITHIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn three_replicas_keep_an_acknowledged_event_through_the_loss_of_its_leader() {
    let mut cluster = NatsCluster::start().await.unwrap();
    let client = async_nats::connect(cluster.addrs()).await.unwrap();
    let js = jetstream::new(client);
    let mut settings = settings::Settings::default();
    settings.nats.replicas = 3;
    for (stream, consumer) in [
        (FAVORITES, FAVORITE_PERSIST),
        (COMMENTS, COMMENT_PERSIST),
        (RELATIONS, RELATION_PERSIST),
    ] {
        Persisted::new(stream, consumer, &settings)
            .ensure(&js)
            .await
            .unwrap();
    }
    for name in ["FAVORITES", "COMMENTS", "RELATIONS", "DEAD_LETTERS"] {
        let info = js
            .get_stream(name)
            .await
            .unwrap()
            .info()
            .await
            .unwrap()
            .clone();
        assert_eq!(info.config.num_replicas, 3, "{name}");
    }

    let ack = js
        .publish("evt.favorite.1.2.3", "liked".into())
        .await
        .unwrap();
    let seq = ack.await.unwrap().sequence;
    let mut stream = js.get_stream("FAVORITES").await.unwrap();
    let leader = stream
        .info()
        .await
        .unwrap()
        .cluster
        .clone()
        .unwrap()
        .leader
        .unwrap();
    cluster.kill(&leader).await.unwrap();

    let deadline = Instant::now() + WITHIN;
    let stored = loop {
        match stream.get_raw_message(seq).await {
            Ok(message) => break message,
            Err(err) => assert!(Instant::now() < deadline, "never readable again: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(&stored.payload[..], b"liked");
    let after = loop {
        let published = async {
            let ack = js
                .publish("evt.favorite.1.2.4", "liked".into())
                .await
                .ok()?;
            ack.await.ok()
        };
        if let Some(ack) = published.await {
            break ack;
        }
        assert!(
            Instant::now() < deadline,
            "no publish succeeded after the kill"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(after.sequence > seq);
    let new_leader = stream.info().await.unwrap().cluster.clone().unwrap().leader;
    assert_ne!(new_leader.as_deref(), Some(leader.as_str()));
}
