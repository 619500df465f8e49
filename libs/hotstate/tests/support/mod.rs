//! What the stream-tail tests share: stream `T` (subjects `t.>`) with its durable persist
//! consumer, and a tail following it.

use async_nats::jetstream::{self, consumer::pull, stream};
use hotstate::{Tail, TailSpec};
use serde::de::DeserializeOwned;

/// Creates stream `T` with `replicas` copies and its `persist` consumer, then starts a tail
/// on it that indexes events by `keys`.
pub async fn stream_and_tail<E>(
    js: &jetstream::Context,
    replicas: usize,
    settings: &settings::HotSettings,
    keys: fn(&E) -> Vec<i64>,
) -> Tail<E, i64>
where
    E: DeserializeOwned + Send + Sync + 'static,
{
    let stream = js
        .create_stream(stream::Config {
            name: "T".into(),
            subjects: vec!["t.>".into()],
            num_replicas: replicas,
            ..Default::default()
        })
        .await
        .expect("creating stream T");
    stream
        .create_consumer(pull::Config {
            durable_name: Some("persist".into()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .expect("creating the persist consumer");
    let spec = TailSpec {
        stream: "T",
        persist_consumer: "persist",
        keys,
    };
    Tail::start(js.clone(), spec, settings)
        .await
        .expect("starting the tail")
}
