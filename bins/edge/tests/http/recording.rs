//! An `ApplyBatch` seam for persistence tests: the real favorite persistence, recording
//! the stream sequences of every batch it applies (who applied what, and in which order).

use std::sync::{Arc, Mutex};

use contract::favorite::FavoriteEvent;
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};

use crate::app::App;

/// The sequences of each applied batch, in the order they were applied.
pub(crate) type Batches = Arc<Mutex<Vec<Vec<u64>>>>;

pub(crate) struct Recording {
    inner: favorite::persist::Persist,
    batches: Batches,
}

impl Recording {
    pub(crate) fn new(app: &App) -> (Self, Batches) {
        let batches = Batches::default();
        let inner = favorite::persist::Persist {
            db: app.env.db.pool.clone(),
        };
        let recording = Self {
            inner,
            batches: Arc::clone(&batches),
        };
        (recording, batches)
    }
}

impl ApplyBatch for Recording {
    type Event = FavoriteEvent;
    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<FavoriteEvent>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        let seqs = batch.iter().map(|item| item.seq).collect();
        self.batches
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(seqs);
        self.inner.apply(batch)
    }
}

/// Starts `applier` on the favorite persistence consumer, with `app`'s settings adjusted
/// by `tweak`.
pub(crate) async fn start_favorite_persister<A: ApplyBatch>(
    app: &App,
    tweak: impl FnOnce(&mut settings::PersistSettings),
    applier: A,
) -> mesh::batch::Persister {
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let mut persist = app.env.settings.persist.clone();
    tweak(&mut persist);
    let spec = mesh::batch::BatchSpec::new(
        &persist,
        contract::favorite::STREAM,
        contract::favorite::PERSIST_CONSUMER,
    );
    mesh::batch::Persister::start(js, spec, applier)
}
