//! Streams and consumers as files (`nats/streams/*.json`, `nats/consumers/*.json`, in the
//! server's own JSON format, so `nats stream add --config` reads them too), created or
//! updated at start-up, and again by a persister that finds them gone.

use std::time::Duration;

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
/// The stream keeps the file's `num_replicas`; [`ensure_replicated`] sets it.
pub async fn ensure(
    js: &jetstream::Context,
    stream_json: &str,
    consumer_jsons: &[&str],
    ack_wait: Option<Duration>,
) -> Result<(), StreamSetupError> {
    ensure_replicated(js, stream_json, consumer_jsons, ack_wait, None).await
}

/// Like [`ensure`], with `replicas` (`nats.replicas`) in place of the file's `num_replicas`:
/// the files say 1 so that a single node accepts them, the deployment says how many copies.
pub async fn ensure_replicated(
    js: &jetstream::Context,
    stream_json: &str,
    consumer_jsons: &[&str],
    ack_wait: Option<Duration>,
    replicas: Option<usize>,
) -> Result<(), StreamSetupError> {
    let mut config: stream::Config = parse("stream", stream_json)?;
    if let Some(replicas) = replicas {
        config.num_replicas = replicas;
    }
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

/// What a persisting domain needs on the server: the dead-letter stream, its own stream and
/// its persistence consumer, as the settings adjust them. Created at start-up and again
/// whenever the persister restarts, so a deleted stream or consumer comes back.
#[derive(Debug, Clone)]
pub struct Persisted {
    pub stream_json: String,
    pub consumer_json: String,
    /// Overrides the consumer file's ack wait (`persist.ack_wait_ms`).
    pub ack_wait: Option<Duration>,
    /// Copies of every stream (`nats.replicas`).
    pub replicas: usize,
}

impl Persisted {
    /// The definitions in `stream_json` and `consumer_json`, adjusted by `settings`.
    pub fn new(stream_json: &str, consumer_json: &str, settings: &settings::Settings) -> Self {
        Self {
            stream_json: stream_json.to_owned(),
            consumer_json: consumer_json.to_owned(),
            ack_wait: settings.persist.ack_wait_ms.map(Duration::from_millis),
            replicas: settings.nats.replicas,
        }
    }

    /// Creates or updates all three.
    pub async fn ensure(&self, js: &jetstream::Context) -> Result<(), StreamSetupError> {
        let replicas = Some(self.replicas);
        ensure_replicated(js, DEAD_LETTERS, &[], None, replicas).await?;
        let consumers = [self.consumer_json.as_str()];
        ensure_replicated(js, &self.stream_json, &consumers, self.ack_wait, replicas).await
    }
}

/// How long start-up keeps retrying JetStream: a cluster electing its leaders, or
/// creating the streams of several workers starting at once, times out calls for a while.
const SETUP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// What a persisting domain needs at start-up (see [`Persisted`]). A JetStream failure is
/// retried every second for up to [`SETUP_PATIENCE`] before the worker gives up; a bad
/// definition fails at once.
pub async fn ensure_persisted(
    js: &jetstream::Context,
    stream_json: &str,
    consumer_json: &str,
    settings: &settings::Settings,
) -> Result<(), StreamSetupError> {
    let persisted = Persisted::new(stream_json, consumer_json, settings);
    let started = std::time::Instant::now();
    loop {
        match persisted.ensure(js).await {
            Err(StreamSetupError::JetStream(reason)) if started.elapsed() < SETUP_PATIENCE => {
                tracing::warn!(reason, "setting up the stream; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            done => return done,
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, StreamSetupError> {
    serde_json::from_str(json).map_err(|source| StreamSetupError::Definition {
        name: what.to_owned(),
        source,
    })
}
