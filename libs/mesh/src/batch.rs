//! The JetStream batch consumer: a durable pull consumer whose messages are applied in
//! batches (closed at N messages or T milliseconds), one database transaction per batch,
//! acknowledged only after the commit. Transient failures are retried after a delay; a
//! message that can never be applied is dead-lettered (stream `DEAD_LETTERS`, an ERROR log
//! and a metric) and terminated, so it never blocks the ones behind it. Any number of
//! instances may share one consumer: the server splits the messages between them.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use async_nats::jetstream::{self, AckKind, Message, consumer::PullConsumer};
use futures::{StreamExt, future::BoxFuture};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::Shutdown;
pub use crate::persister::Persister;

/// One decoded event and its stream sequence (apply only what is newer than stored).
#[derive(Debug, Clone)]
pub struct Sequenced<E> {
    pub seq: u64,
    pub event: E,
}

/// The latest state of an on/off relation (a like, a follow), set by the event with the
/// highest stream sequence: applying events in any order, or twice, gives the same result.
/// The persistence upserts apply the same rule in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Versioned {
    pub on: bool,
    /// Stream sequence of the event that set the state (0: never set).
    pub seq: u64,
    /// Time of that event.
    pub at_ms: i64,
}

impl Versioned {
    pub fn advance(&mut self, seq: u64, on: bool, at_ms: i64) {
        if seq > self.seq {
            *self = Self { on, seq, at_ms };
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Worth retrying later (the database is down, a deadlock, …).
    #[error("transient: {0}")]
    Transient(String),
    /// Will fail the same way every time (violates a constraint for good, …).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// MySQL errors that mean "this statement can never run" whatever the SQLSTATE says (theirs
/// is the catch-all HY000 or a connection class): too many placeholders (1390), a packet
/// over `max_allowed_packet` (1153). Retrying them would stop the consumer for good.
const NEVER_FITS: [u16; 2] = [1390, 1153];

/// MySQL errors that will repeat on every retry (bad data, a violated constraint: SQLSTATE
/// classes 22 and 23; a statement that can never fit) are permanent; the rest (connection
/// lost, deadlock, timeout) may pass.
impl From<sqlx::Error> for ApplyError {
    fn from(err: sqlx::Error) -> Self {
        let permanent = match &err {
            sqlx::Error::Database(db) => {
                let state = db.code().unwrap_or_default();
                let number = db
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .map(|my| my.number());
                state.starts_with("22")
                    || state.starts_with("23")
                    || number.is_some_and(|n| NEVER_FITS.contains(&n))
            }
            _ => false,
        };
        if permanent {
            ApplyError::Permanent(err.to_string())
        } else {
            ApplyError::Transient(err.to_string())
        }
    }
}

/// A domain's persistence: apply a batch in one transaction, replay-safe and order-safe.
pub trait ApplyBatch: Send + Sync + 'static {
    type Event: DeserializeOwned + Send + Sync;
    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<Self::Event>],
    ) -> BoxFuture<'a, Result<(), ApplyError>>;
}

/// Batch boundaries and retry pacing.
#[derive(Debug, Clone)]
pub struct BatchSpec {
    pub stream: String,
    pub consumer: String,
    pub max_messages: usize,
    pub max_wait: Duration,
    pub retry_delay: Duration,
}

impl BatchSpec {
    /// The boundaries `persist` configures, for `consumer` on `stream`.
    pub fn new(persist: &settings::PersistSettings, stream: &str, consumer: &str) -> Self {
        Self {
            stream: stream.to_owned(),
            consumer: consumer.to_owned(),
            max_messages: persist.max_batch,
            max_wait: Duration::from_millis(persist.max_wait_ms),
            retry_delay: Duration::from_millis(persist.retry_delay_ms),
        }
    }
}

/// Runs until `shutdown` fires; the batch in hand is finished (applied and acked, or nak'd)
/// first, never left to wait for the ack wait. Fails when the consumer cannot be found or
/// a pull fails (a deleted consumer, a lost server): the [`Persister`] restarts it.
pub async fn run<A: ApplyBatch>(
    js: jetstream::Context,
    spec: BatchSpec,
    applier: Arc<A>,
    shutdown: Shutdown,
) -> Result<(), async_nats::Error> {
    let consumer = open(&js, &spec).await?;
    consume(js, consumer, spec, applier, shutdown).await
}

/// The durable consumer `spec` names, as it is on the server now.
pub async fn open(
    js: &jetstream::Context,
    spec: &BatchSpec,
) -> Result<PullConsumer, async_nats::Error> {
    js.get_stream(&spec.stream)
        .await?
        .get_consumer(&spec.consumer)
        .await
}

/// [`run`] on a consumer already opened.
pub async fn consume<A: ApplyBatch>(
    js: jetstream::Context,
    consumer: PullConsumer,
    spec: BatchSpec,
    applier: Arc<A>,
    shutdown: Shutdown,
) -> Result<(), async_nats::Error> {
    let labels = Labels::new(&spec.consumer);
    let mut outcome = Ok(());
    while !shutdown.is_triggered() {
        // A pull is never cut short by the shutdown: the messages it has taken are delivered
        // to this instance, and dropping them would hold them back for the whole ack wait. A
        // pull ends within `max_wait`, so a stop waits at most that long plus the batch.
        match pull(&consumer, &spec).await {
            Ok(messages) if messages.is_empty() => {}
            Ok(messages) => {
                // One span per batch, linked to the trace of each of its events (a batch
                // serves many calls, so it is no one call's child).
                let span = tracing::info_span!(
                    "consumer.batch",
                    consumer = spec.consumer,
                    size = messages.len(),
                    otel.kind = "consumer"
                );
                crate::trace::link_each(&span, messages.iter().map(|m| m.headers.as_ref()));
                process(&js, &spec, applier.as_ref(), messages, &labels)
                    .instrument(span)
                    .await
            }
            // Retrying here would go on for ever against a consumer that no longer exists;
            // the supervisor backs off, recreates what is missing and reports it meanwhile.
            Err(err) => {
                outcome = Err(format!("pulling a batch: {err}").into());
                break;
            }
        }
    }
    // Acks are published without waiting; send what is still buffered before returning, so
    // a process that exits right after a stop leaves nothing for the ack wait.
    if let Err(err) = js.client().flush().await {
        tracing::warn!(consumer = spec.consumer, error = %err, "flushing the last acks");
    }
    outcome
}

/// Up to `max_messages`, waiting at most `max_wait` for them.
async fn pull(
    consumer: &PullConsumer,
    spec: &BatchSpec,
) -> Result<Vec<Message>, async_nats::Error> {
    let mut batch = consumer
        .batch()
        .max_messages(spec.max_messages)
        .expires(spec.max_wait)
        .messages()
        .await?;
    let mut messages = Vec::with_capacity(spec.max_messages);
    while let Some(message) = batch.next().await {
        messages.push(message?);
    }
    Ok(messages)
}

struct Labels {
    consumer: String,
}

impl Labels {
    fn new(consumer: &str) -> Self {
        Self {
            consumer: consumer.to_owned(),
        }
    }
}

async fn process<A: ApplyBatch>(
    js: &jetstream::Context,
    spec: &BatchSpec,
    applier: &A,
    messages: Vec<Message>,
    labels: &Labels,
) {
    let started = Instant::now();
    let consumer = labels.consumer.clone();
    observe_delivery(&messages, &consumer);
    let mut decoded = Vec::with_capacity(messages.len());
    let mut kept = Vec::with_capacity(messages.len());
    for message in messages {
        match decode::<A::Event>(&message) {
            Ok(event) => {
                decoded.push(event);
                kept.push(message);
            }
            Err(reason) => dead_letter(js, spec, &message, &reason).await,
        }
    }
    if !decoded.is_empty() {
        match applier.apply(&decoded).await {
            Ok(()) => ack_all(&kept, AckKind::Ack).await,
            Err(ApplyError::Transient(reason)) => {
                tracing::warn!(consumer, reason, "batch failed; will be redelivered");
                ack_all(&kept, AckKind::Nak(Some(spec.retry_delay))).await;
            }
            Err(ApplyError::Permanent(reason)) => {
                tracing::warn!(consumer, reason, "batch refused; applying one by one");
                one_by_one(js, spec, applier, decoded, kept).await;
            }
        }
    }
    metrics::histogram!("consumer_batch_seconds", "consumer" => consumer.clone())
        .record(started.elapsed().as_secs_f64());
}

/// Isolates the message(s) that can never be applied; the rest go through.
async fn one_by_one<A: ApplyBatch>(
    js: &jetstream::Context,
    spec: &BatchSpec,
    applier: &A,
    decoded: Vec<Sequenced<A::Event>>,
    kept: Vec<Message>,
) {
    for (event, message) in decoded.into_iter().zip(kept) {
        match applier.apply(std::slice::from_ref(&event)).await {
            Ok(()) => ack(&message, AckKind::Ack).await,
            Err(ApplyError::Transient(_)) => {
                ack(&message, AckKind::Nak(Some(spec.retry_delay))).await
            }
            Err(ApplyError::Permanent(reason)) => dead_letter(js, spec, &message, &reason).await,
        }
    }
}

fn decode<E: DeserializeOwned>(message: &Message) -> Result<Sequenced<E>, String> {
    let seq = message
        .info()
        .map_err(|err| format!("no JetStream metadata: {err}"))?
        .stream_sequence;
    let event =
        serde_json::from_slice(&message.payload).map_err(|err| format!("undecodable: {err}"))?;
    Ok(Sequenced { seq, event })
}

fn observe_delivery(messages: &[Message], consumer: &str) {
    metrics::histogram!("consumer_batch_size", "consumer" => consumer.to_owned())
        .record(messages.len() as f64);
    let redelivered = messages
        .iter()
        .filter(|m| m.info().is_ok_and(|info| info.delivered > 1))
        .count();
    metrics::counter!("consumer_redeliveries_total", "consumer" => consumer.to_owned())
        .increment(redelivered as u64);
    // `consumer_lag` is read from the server on a timer (see `lag`), not from deliveries:
    // it must move even while no batch gets through.
}

async fn ack_all(messages: &[Message], kind: AckKind) {
    for message in messages {
        ack(message, kind).await;
    }
}

async fn ack(message: &Message, kind: AckKind) {
    // A lost ack only means a redelivery, which applying by sequence makes harmless.
    if let Err(err) = message.ack_with(kind).await {
        tracing::warn!(error = %err, "acknowledging a message");
    }
}

/// Subject prefix of the dead-letter stream (`nats/streams/DEAD_LETTERS.json`).
pub const DEAD_LETTER_PREFIX: &str = "dead";

/// Copies `message` to the dead-letter stream with the reason, then terminates it.
async fn dead_letter(js: &jetstream::Context, spec: &BatchSpec, message: &Message, reason: &str) {
    let seq = message
        .info()
        .map(|info| info.stream_sequence)
        .unwrap_or_default();
    tracing::error!(consumer = spec.consumer, seq, subject = %message.subject, reason, "dead-lettered a message");
    metrics::counter!("consumer_dead_letters_total", "consumer" => spec.consumer.clone())
        .increment(1);
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(
        "Gophertok-Dead-Reason",
        reason.replace(['\r', '\n'], " ").as_str(),
    );
    headers.insert("Gophertok-Dead-Subject", message.subject.as_str());
    headers.insert("Gophertok-Dead-Stream-Seq", seq.to_string().as_str());
    let subject = format!("{DEAD_LETTER_PREFIX}.{}.{}", spec.stream, spec.consumer);
    let stored = match js
        .publish_with_headers(subject, headers, message.payload.clone())
        .await
    {
        Ok(ack) => ack.await.is_ok(),
        Err(_) => false,
    };
    if stored {
        ack(message, AckKind::Term).await;
    } else {
        // Keep it rather than lose it: it comes back after the retry delay.
        ack(message, AckKind::Nak(Some(spec.retry_delay))).await;
    }
}
