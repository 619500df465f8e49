//! A batch consumer that never stops quietly: a supervisor runs it in its own task and, when
//! it fails or panics, logs an ERROR, counts `consumer_restarts_total{consumer}`, backs off
//! (1 s doubling to 30 s), recreates the stream and consumer from their definitions and runs
//! it again, until stopped. Its [`Health`] says whether it is consuming right now.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use async_nats::jetstream;
use tokio::task::{JoinError, JoinHandle};

use crate::{
    Shutdown,
    batch::{self, ApplyBatch, BatchSpec},
    lag::{self, LagSpec},
    streams::Persisted,
};

/// First pause after a failure; doubles on each failure in a row, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A run that lasted this long was healthy: the next failure starts the back-off over.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// What a supervised persister needs besides its batch boundaries.
#[derive(Debug, Clone, Default)]
pub struct Supervision {
    /// Created or updated before every (re)start, so a deleted stream or consumer comes back;
    /// `None`: used as they are (tests that set them up themselves).
    pub recreate: Option<Persisted>,
    pub lag: LagSpec,
}

impl Supervision {
    /// Recreates the definitions in the two files, as `settings` adjust them.
    pub fn new(stream_json: &str, consumer_json: &str, settings: &settings::Settings) -> Self {
        Self {
            recreate: Some(Persisted::new(stream_json, consumer_json, settings)),
            lag: LagSpec::new(&settings.persist),
        }
    }
}

/// A domain's persistence consumer as its definition files name it: what the favorite,
/// comment and relation workers each start, with or without hot-state repair.
#[derive(Debug, Clone, Copy)]
pub struct PersistFiles {
    pub stream: &'static str,
    pub consumer: &'static str,
    pub stream_json: &'static str,
    pub consumer_json: &'static str,
}

impl PersistFiles {
    /// The supervised persister of these files applying with `applier`, with `settings`'
    /// batch boundaries; its stream and consumer are re-created if they go missing.
    pub fn start<A: ApplyBatch>(
        &self,
        js: jetstream::Context,
        settings: &settings::Settings,
        applier: A,
    ) -> Persister {
        let spec = BatchSpec::new(&settings.persist, self.stream, self.consumer);
        let supervision = Supervision::new(self.stream_json, self.consumer_json, settings);
        Persister::start_with(js, spec, supervision, applier)
    }
}

/// Whether a persister is consuming; a cheap clone for probes. Also the gauge
/// `consumer_up{consumer}` (1 consuming, 0 not), for alerts that need no `/readyz` poller.
#[derive(Debug, Clone)]
pub struct Health {
    status: Arc<Mutex<Status>>,
    up: metrics::Gauge,
}

#[derive(Debug, Clone)]
enum Status {
    Starting,
    Running,
    Failed(String),
}

impl Health {
    fn new(consumer: &str) -> Self {
        let up = metrics::gauge!("consumer_up", "consumer" => consumer.to_owned());
        up.set(0.0);
        Self {
            status: Arc::new(Mutex::new(Status::Starting)),
            up,
        }
    }

    /// Ok while consuming; else why not (not started yet, or the last failure).
    pub fn check(&self) -> Result<(), String> {
        match &*self.status.lock().unwrap_or_else(|e| e.into_inner()) {
            Status::Running => Ok(()),
            Status::Starting => Err("not consuming yet".into()),
            Status::Failed(reason) => Err(format!("restarting after: {reason}")),
        }
    }

    fn set(&self, status: Status) {
        self.up
            .set(f64::from(u8::from(matches!(status, Status::Running))));
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) = status;
    }
}

/// A batch consumer running in the background until stopped.
pub struct Persister {
    stop: Shutdown,
    task: JoinHandle<()>,
    lag: JoinHandle<()>,
    health: Health,
}

impl Persister {
    /// Supervises [`batch::run`] for `applier` on the stream and consumer as they are.
    pub fn start<A: ApplyBatch>(js: jetstream::Context, spec: BatchSpec, applier: A) -> Self {
        Self::start_with(js, spec, Supervision::default(), applier)
    }

    /// Supervises [`batch::run`] for `applier`, recreating what `supervision` defines.
    pub fn start_with<A: ApplyBatch>(
        js: jetstream::Context,
        spec: BatchSpec,
        supervision: Supervision,
        applier: A,
    ) -> Self {
        let stop = Shutdown::new();
        let health = Health::new(&spec.consumer);
        let lag = tokio::spawn(lag::watch(
            js.clone(),
            spec.stream.clone(),
            spec.consumer.clone(),
            supervision.lag,
            stop.clone(),
        ));
        let supervisor = Supervisor {
            js,
            spec,
            recreate: supervision.recreate,
            applier: Arc::new(applier),
            stop: stop.clone(),
            health: health.clone(),
        };
        let task = tokio::spawn(supervisor.run());
        Self {
            stop,
            task,
            lag,
            health,
        }
    }

    pub fn health(&self) -> Health {
        self.health.clone()
    }

    /// Finishes the batch in hand, then stops.
    pub async fn stop(self) {
        self.stop.trigger();
        let _ = self.task.await;
        let _ = self.lag.await;
    }

    /// Stops at once, mid-batch, like a crash (tests of redelivery use it).
    pub fn kill(self) {
        self.task.abort();
        self.lag.abort();
    }
}

struct Supervisor<A> {
    js: jetstream::Context,
    spec: BatchSpec,
    recreate: Option<Persisted>,
    applier: Arc<A>,
    stop: Shutdown,
    health: Health,
}

impl<A: ApplyBatch> Supervisor<A> {
    async fn run(self) {
        let mut backoff = FIRST_BACKOFF;
        while !self.stop.is_triggered() {
            let started = Instant::now();
            let Err(reason) = self.attempt().await else {
                return; // Stopped.
            };
            let consumer = &self.spec.consumer;
            tracing::error!(consumer, reason, "persistence failed; restarting it");
            metrics::counter!("consumer_restarts_total", "consumer" => consumer.clone())
                .increment(1);
            self.health.set(Status::Failed(reason));
            if started.elapsed() > HEALTHY_RUN {
                backoff = FIRST_BACKOFF;
            }
            tokio::select! {
                _ = self.stop.wait() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One run: recreate, open, consume until stopped (Ok) or failed (the reason).
    async fn attempt(&self) -> Result<(), String> {
        if let Some(persisted) = &self.recreate {
            persisted
                .ensure(&self.js)
                .await
                .map_err(|err| format!("creating the stream and consumer: {err}"))?;
        }
        let consumer = batch::open(&self.js, &self.spec)
            .await
            .map_err(|err| format!("opening the consumer: {err}"))?;
        self.health.set(Status::Running);
        // Its own task, so that a panic in the applier ends only this run.
        let run = AbortOnDrop(tokio::spawn(batch::consume(
            self.js.clone(),
            consumer,
            self.spec.clone(),
            Arc::clone(&self.applier),
            self.stop.clone(),
        )));
        match run.join().await {
            Ok(outcome) => outcome.map_err(|err| err.to_string()),
            Err(err) => Err(panic_reason(err)),
        }
    }
}

/// A run's task, aborted when the supervisor is (a kill must not leave it consuming).
struct AbortOnDrop(JoinHandle<Result<(), async_nats::Error>>);

impl AbortOnDrop {
    async fn join(mut self) -> Result<Result<(), async_nats::Error>, JoinError> {
        (&mut self.0).await
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn panic_reason(err: JoinError) -> String {
    if !err.is_panic() {
        return err.to_string();
    }
    let payload = err.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown payload".into());
    format!("panicked: {message}")
}
