//! Streams and consumers as files (`nats/streams/*.json`, `nats/consumers/*.json`, in the
//! server's own JSON format, so `nats stream add --config` reads them too), created or
//! updated at start-up.

use async_nats::jetstream::{self, consumer::pull, stream};

#[derive(Debug, thiserror::Error)]
pub enum StreamSetupError {
    #[error("definition {name}: {source}")]
    Definition {
        name: String,
        source: serde_json::Error,
    },
    #[error("JetStream: {0}")]
    JetStream(String),
}

fn js_error(err: impl std::fmt::Display) -> StreamSetupError {
    StreamSetupError::JetStream(err.to_string())
}

/// Creates or updates the stream in `stream_json` and the pull consumers in
/// `consumer_jsons`. `ack_wait` overrides the files' value when given (tests shorten it).
pub async fn ensure(
    js: &jetstream::Context,
    stream_json: &str,
    consumer_jsons: &[&str],
    ack_wait: Option<std::time::Duration>,
) -> Result<(), StreamSetupError> {
    let config: stream::Config = parse("stream", stream_json)?;
    let name = config.name.clone();
    js.create_or_update_stream(config).await.map_err(js_error)?;
    let stream = js.get_stream(&name).await.map_err(js_error)?;
    for json in consumer_jsons {
        let mut config: pull::Config = parse("consumer", json)?;
        if let Some(ack_wait) = ack_wait {
            config.ack_wait = ack_wait;
        }
        stream.create_consumer(config).await.map_err(js_error)?;
    }
    Ok(())
}

/// The dead-letter stream every batch consumer writes to (`nats/streams/DEAD_LETTERS.json`).
const DEAD_LETTERS: &str = include_str!("../../../nats/streams/DEAD_LETTERS.json");

/// What a persisting domain needs at start-up: the dead-letter stream, its own stream and
/// its persistence consumer, with the consumer's ack wait overridden by the settings.
pub async fn ensure_persisted(
    js: &jetstream::Context,
    stream_json: &str,
    consumer_json: &str,
    persist: &settings::PersistSettings,
) -> Result<(), StreamSetupError> {
    let ack_wait = persist.ack_wait_ms.map(std::time::Duration::from_millis);
    ensure(js, DEAD_LETTERS, &[], None).await?;
    ensure(js, stream_json, &[consumer_json], ack_wait).await
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, StreamSetupError> {
    serde_json::from_str(json).map_err(|source| StreamSetupError::Definition {
        name: what.to_owned(),
        source,
    })
}
