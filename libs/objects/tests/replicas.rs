//! The media bucket keeps `nats.replicas` copies: on a 3-node cluster with 3 replicas its
//! stream reports 3, and a bucket created with 1 (before the setting) is scaled up to 3.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use objects::{NatsStore, ObjectStore};
use testkit::NatsCluster;

fn one_chunk(text: &'static str) -> objects::ByteStream<'static> {
    Box::pin(futures::stream::iter([Ok(Bytes::from_static(
        text.as_bytes(),
    ))]))
}

async fn replicas(js: &async_nats::jetstream::Context, bucket: &str) -> usize {
    let mut stream = js.get_stream(format!("OBJ_{bucket}")).await.unwrap();
    stream.info().await.unwrap().config.num_replicas
}

#[tokio::test]
async fn the_media_bucket_has_the_configured_replicas_also_when_it_existed_before() {
    let cluster = NatsCluster::start().await.unwrap();
    let client = async_nats::connect(cluster.addrs()).await.unwrap();
    let js = async_nats::jetstream::new(client.clone());

    let fresh = NatsStore::new(&client, "media3", 1 << 30).with_replicas(3);
    fresh
        .put("covers/a.jpg", "image/jpeg", one_chunk("a"))
        .await
        .unwrap();
    assert_eq!(replicas(&js, "media3").await, 3);

    let old = NatsStore::new(&client, "media1", 1 << 30);
    old.put("covers/b.jpg", "image/jpeg", one_chunk("b"))
        .await
        .unwrap();
    assert_eq!(replicas(&js, "media1").await, 1);
    let reopened = NatsStore::new(&client, "media1", 1 << 30).with_replicas(3);
    reopened
        .put("covers/c.jpg", "image/jpeg", one_chunk("c"))
        .await
        .unwrap();
    assert_eq!(replicas(&js, "media1").await, 3);
}
