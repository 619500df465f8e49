//! Not a check, a measurement (ignored by default): 2,000 sequential acknowledged publishes
//! to a file stream on the server at `GOPHERTOK_BENCH_NATS_URL`, to compare fsync policies
//! (docs/durability.md). Run with
//! `GOPHERTOK_BENCH_NATS_URL=nats://127.0.0.1:14222 cargo test -p mesh --test publish_cost -- --ignored --nocapture`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use async_nats::jetstream::{self, stream};

const PUBLISHES: u32 = 2_000;

#[tokio::test]
#[ignore = "a measurement against a server you start; see the file's doc"]
async fn time_sequential_acknowledged_publishes() {
    let url = std::env::var("GOPHERTOK_BENCH_NATS_URL").unwrap();
    let js = jetstream::new(async_nats::connect(&url).await.unwrap());
    let _ = js.delete_stream("PUBLISH_COST").await;
    js.create_stream(stream::Config {
        name: "PUBLISH_COST".into(),
        subjects: vec!["cost.>".into()],
        storage: stream::StorageType::File,
        num_replicas: std::env::var("GOPHERTOK_BENCH_REPLICAS").map_or(1, |r| r.parse().unwrap()),
        ..Default::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    for i in 0..PUBLISHES {
        let ack = js.publish("cost.like", i.to_string().into()).await.unwrap();
        ack.await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{PUBLISHES} publishes to {url}: {elapsed:?}, {:.0} µs each",
        elapsed.as_micros() as f64 / f64::from(PUBLISHES)
    );
    js.delete_stream("PUBLISH_COST").await.unwrap();
}
