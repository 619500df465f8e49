//! Streams and consumers as files (`nats/streams/*.json`, `nats/consumers/*.json`, in the
//! server's own JSON format, so `nats stream add --config` reads them too), created or
//! updated at start-up; and the events a consumer has not persisted yet.

use async_nats::jetstream::{
    self,
    consumer::{DeliverPolicy, pull},
    stream,
};
use bytes::Bytes;
use futures::StreamExt;

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

/// A stored event: its stream sequence, subject and payload.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub seq: u64,
    pub subject: String,
    pub payload: Bytes,
}

/// The events of `stream` (under `filter`) after `consumer`'s ack floor: what a rebuild of
/// hot state must add to what the database holds. Bounded by the consumer's lag.
pub struct Unpersisted {
    /// Every event up to this stream sequence is persisted.
    pub floor: u64,
    pub events: Vec<StoredEvent>,
}

pub async fn unpersisted(
    js: &jetstream::Context,
    stream_name: &str,
    consumer_name: &str,
    filter: &str,
) -> Result<Unpersisted, StreamSetupError> {
    let mut stream = js.get_stream(stream_name).await.map_err(js_error)?;
    // The ack floor first: anything acked after this is in the database *and* replayed,
    // which applying by sequence makes harmless; the reverse order could miss events.
    let floor = stream
        .consumer_info(consumer_name)
        .await
        .map_err(js_error)?
        .ack_floor
        .stream_sequence;
    let last = stream.info().await.map_err(js_error)?.state.last_sequence;
    if floor >= last {
        return Ok(Unpersisted {
            floor,
            events: Vec::new(),
        });
    }
    let mut reader = stream
        .create_consumer(pull::OrderedConfig {
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: floor + 1,
            },
            filter_subject: filter.to_owned(),
            ..Default::default()
        })
        .await
        .map_err(js_error)?;
    // The server counts the matching events at creation: read exactly that many, so an
    // empty tail costs no wait and a slow one is never cut short silently.
    let wanted = reader.info().await.map_err(js_error)?.num_pending;
    let mut messages = reader.messages().await.map_err(js_error)?;
    let mut events = Vec::with_capacity(wanted as usize);
    while (events.len() as u64) < wanted {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), messages.next()).await;
        let message = match next {
            Ok(Some(Ok(message))) => message,
            _ => return Err(js_error("reading the unpersisted events timed out")),
        };
        let seq = message.info().map_err(js_error)?.stream_sequence;
        events.push(StoredEvent {
            seq,
            subject: message.subject.to_string(),
            payload: message.payload.clone(),
        });
    }
    Ok(Unpersisted { floor, events })
}
