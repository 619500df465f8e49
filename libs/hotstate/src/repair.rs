//! Repair after persistence: a hot-state update that failed after the PubAck (the client
//! saw an error, the event is stored) leaves Redis without an event MySQL will hold. So once
//! a batch is committed, its events are applied to the hot state again with the domain's own
//! per-group scripts: "apply only if newer" makes an event Redis already has a no-op, and a
//! script never creates a missing group (it answers -1), so no keys appear for groups nobody
//! reads — the next read rebuilds those from MySQL anyway.
//!
//! The re-apply runs beside persistence, never in its way: it is a task of its own (at most
//! [`IN_FLIGHT`] per instance; a batch that finds them busy is left to the verifier), and a
//! failure is a WARN and `hot_repair_failures_total{domain}`, never a retried batch. The
//! groups each batch touched are recorded for the drift verifier (`verify`).

use std::{hash::Hash, sync::Arc};

use fred::prelude::Client;
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};
use tokio::sync::Semaphore;

use crate::{Call, recent::Recent, script::run_all};

/// Re-applies running at once per instance: one is the steady state (a pipeline is much
/// faster than the MySQL transaction before it); two absorb a slow round trip.
pub const IN_FLIGHT: usize = 2;

/// Script calls per pipeline, so a batch of thousands of events is a few bounded round trips.
const CHUNK: usize = 1_000;

/// A domain's hot-state writes, as the write path makes them.
pub trait Reapply: Send + Sync + 'static {
    type Event: Send + Sync + 'static;
    type Key: Hash + Eq + Clone + Send + Sync + 'static;
    /// The `domain` label of the metrics.
    fn domain(&self) -> &'static str;
    fn redis(&self) -> &Client;
    /// The groups `event` writes to.
    fn keys(&self, event: &Self::Event) -> Vec<Self::Key>;
    /// The per-group script calls that apply `event` (stream sequence `seq`).
    fn calls(&self, seq: u64, event: &Self::Event) -> Vec<Call<'static>>;
}

/// A domain's persistence followed by the hot-state repair of each committed batch.
pub struct Repairing<A, R: Reapply> {
    inner: A,
    reapply: Arc<R>,
    recent: Arc<Recent<R::Key>>,
    in_flight: Arc<Semaphore>,
}

impl<A, R: Reapply> Repairing<A, R> {
    pub fn new(inner: A, reapply: Arc<R>, recent: Arc<Recent<R::Key>>) -> Self {
        Self {
            inner,
            reapply,
            recent,
            in_flight: Arc::new(Semaphore::new(IN_FLIGHT)),
        }
    }

    /// Records `batch`'s groups and re-applies its events in a task of their own.
    fn repair(&self, batch: &[Sequenced<R::Event>]) {
        let reapply = self.reapply.as_ref();
        self.recent
            .touch(batch.iter().flat_map(|item| reapply.keys(&item.event)));
        let domain = reapply.domain();
        let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
            // The verifier still checks these groups: they were recorded above.
            metrics::counter!("hot_repair_skipped_total", "domain" => domain).increment(1);
            return;
        };
        let calls: Vec<Call<'static>> = batch
            .iter()
            .flat_map(|item| reapply.calls(item.seq, &item.event))
            .collect();
        let redis = reapply.redis().clone();
        tokio::spawn(async move {
            let _permit = permit;
            let started = std::time::Instant::now();
            for chunk in calls.chunks(CHUNK) {
                if let Err(err) = run_all::<i64>(&redis, chunk).await {
                    tracing::warn!(domain, error = %err, "re-applying a persisted batch to Redis");
                    metrics::counter!("hot_repair_failures_total", "domain" => domain).increment(1);
                    return;
                }
            }
            metrics::histogram!("hot_repair_seconds", "domain" => domain)
                .record(started.elapsed().as_secs_f64());
        });
    }
}

impl<A, R> ApplyBatch for Repairing<A, R>
where
    A: ApplyBatch,
    R: Reapply<Event = A::Event>,
{
    type Event = A::Event;

    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<A::Event>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            self.inner.apply(batch).await?;
            // After the commit only: a batch that fails is redelivered and repaired then,
            // once, and the verifier's sample names groups whose MySQL rows hold it.
            self.repair(batch);
            Ok(())
        })
    }
}
