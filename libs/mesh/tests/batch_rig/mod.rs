//! A batch consumer on a real nats-server with a scripted applier (our own `ApplyBatch`
//! seam): a stream of numbered events, the dead-letter stream, and waits with deadlines.

// Shared by several test binaries, each of which uses only part of it.
#![allow(dead_code)]

use std::{
    collections::HashSet,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use async_nats::jetstream::{self, stream::Stream};
use futures::future::BoxFuture;
use mesh::{
    batch::{ApplyBatch, ApplyError, BatchSpec, Persister, Sequenced},
    persister::Supervision,
};
use testkit::NatsServer;
use tokio::sync::Semaphore;

pub const STREAM: &str = "NUMBERS";
pub const CONSUMER: &str = "numbers-persist";
pub const STREAM_JSON: &str = r#"{"name": "NUMBERS", "subjects": ["num.>"], "retention": "limits",
    "storage": "file", "num_replicas": 1, "discard": "old"}"#;
/// A long ack wait, so that anything left unacknowledged would visibly stay pending.
pub const CONSUMER_JSON: &str = r#"{"durable_name": "numbers-persist", "ack_policy": "explicit",
    "ack_wait": 60000000000, "max_deliver": -1, "filter_subject": "num.>",
    "deliver_policy": "all", "replay_policy": "instant"}"#;

/// What the scripted applier has seen and what it is told to do.
#[derive(Default)]
pub struct Script {
    /// Numbers in committed batches, in commit order.
    pub applied: Vec<u64>,
    /// Every number in every attempted batch, failed ones included.
    pub attempted: Vec<u64>,
    /// Every batch fails as transient while set.
    pub down: bool,
    /// A batch holding one of these fails as permanent.
    pub poison: HashSet<u64>,
}

/// An applier driven by a [`Script`]; with a gate, every batch waits for a permit first.
#[derive(Clone, Default)]
pub struct Scripted {
    pub script: Arc<Mutex<Script>>,
    pub gate: Option<Arc<Semaphore>>,
}

impl Scripted {
    pub fn with<T>(&self, change: impl FnOnce(&mut Script) -> T) -> T {
        change(&mut self.script.lock().unwrap())
    }

    pub fn read<T>(&self, look: impl FnOnce(&Script) -> T) -> T {
        look(&self.script.lock().unwrap())
    }
}

impl ApplyBatch for Scripted {
    type Event = u64;

    fn apply<'a>(&'a self, batch: &'a [Sequenced<u64>]) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let numbers: Vec<u64> = batch.iter().map(|item| item.event).collect();
            self.with(|s| s.attempted.extend(&numbers));
            if let Some(gate) = &self.gate {
                gate.acquire().await.unwrap().forget();
            }
            let mut script = self.script.lock().unwrap();
            if script.down {
                return Err(ApplyError::Transient("the store is down".into()));
            }
            if let Some(bad) = numbers.iter().find(|n| script.poison.contains(n)) {
                return Err(ApplyError::Permanent(format!(
                    "{bad} violates a constraint"
                )));
            }
            script.applied.extend(numbers);
            Ok(())
        })
    }
}

pub struct Rig {
    /// Kept for the test's lifetime: dropping it stops the server.
    pub server: NatsServer,
    pub js: jetstream::Context,
}

impl Rig {
    /// A nats-server with the numbers stream, its consumer and the dead-letter stream.
    pub async fn start() -> Self {
        let server = NatsServer::start().await.unwrap();
        let js = jetstream::new(server.client().await.unwrap());
        let rig = Self { server, js };
        rig.ensure_streams().await;
        rig
    }

    /// Creates what is missing, as every persisting domain does at start-up.
    pub async fn ensure_streams(&self) {
        let settings = settings::Settings::default();
        mesh::streams::ensure_persisted(&self.js, STREAM_JSON, CONSUMER_JSON, &settings)
            .await
            .unwrap();
    }

    /// Batches of up to 100 within 50 ms, retried after 100 ms.
    pub fn spec(&self) -> BatchSpec {
        BatchSpec {
            stream: STREAM.into(),
            consumer: CONSUMER.into(),
            max_messages: 100,
            max_wait: Duration::from_millis(50),
            retry_delay: Duration::from_millis(100),
        }
    }

    /// Recreates the numbers stream and its consumer whenever the persister restarts.
    pub fn supervision(&self) -> Supervision {
        let settings = settings::Settings::default();
        Supervision::new(STREAM_JSON, CONSUMER_JSON, &settings)
    }

    pub fn persister(&self, applier: &Scripted) -> Persister {
        Persister::start(self.js.clone(), self.spec(), applier.clone())
    }

    /// Publishes `n` as the payload, once it is stored in the stream.
    pub async fn publish(&self, numbers: impl IntoIterator<Item = u64>) {
        for n in numbers {
            let ack = self.js.publish(format!("num.{n}"), n.to_string().into());
            ack.await.unwrap().await.unwrap();
        }
    }

    pub async fn stream(&self, name: &str) -> Stream {
        self.js.get_stream(name).await.unwrap()
    }

    /// (payload, reason header) of every dead letter, in order.
    pub async fn dead_letters(&self) -> Vec<(String, String)> {
        let mut stream = self.stream("DEAD_LETTERS").await;
        let last = stream.info().await.unwrap().state.last_sequence;
        let mut letters = Vec::new();
        for seq in 1..=last {
            let letter = stream.get_raw_message(seq).await.unwrap();
            let reason = letter.headers.get("Gophertok-Dead-Reason").unwrap();
            let payload = String::from_utf8(letter.payload.to_vec()).unwrap();
            letters.push((payload, reason.to_string()));
        }
        letters
    }

    /// Messages delivered to the consumer and not acknowledged yet.
    pub async fn ack_pending(&self) -> usize {
        let stream = self.stream(STREAM).await;
        stream
            .consumer_info(CONSUMER)
            .await
            .unwrap()
            .num_ack_pending
    }
}

/// Polls `condition` every 20 ms until it holds; panics with `what` after `within`.
pub async fn wait_until<F, Fut>(within: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !condition().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
