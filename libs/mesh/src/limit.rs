//! Bulkheads: a named limit on how many requests of some routes run at once, with a bounded
//! queue, so heavy work (password hashing, cover extraction) cannot take the permits and the
//! CPU that the cheap lookups every page needs. A request past a full queue is answered
//! "busy" (503) at once instead of waiting for its caller to time out.

use std::sync::Arc;

use contract::{ErrorKind, ServiceError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A concurrency limit shared by the routes marked with [`crate::Router::limited`]. Their
/// requests wait for this limit alone, holding no worker-wide permit, so the other routes
/// keep flowing while they queue.
#[derive(Clone)]
pub struct Limit {
    name: &'static str,
    /// Requests admitted: running plus waiting, at most `max + max_queue`.
    admitted: Arc<Semaphore>,
    /// Requests running, at most `max`.
    running: Arc<Semaphore>,
    capacity: u32,
}

/// Starts the message of every "busy" answer, so a caller can tell the request never ran.
const BUSY: &str = "busy: ";

/// What lets a request run: a worker-wide permit, or its place in its route's limit (or
/// the "busy" answer when that was full).
pub(crate) enum Slot {
    Worker(OwnedSemaphorePermit),
    Limited(Result<Ticket, ServiceError>),
}

/// A request's place in a [`Limit`]: taken when it arrives, so a full limit answers at once.
pub(crate) struct Ticket {
    admitted: OwnedSemaphorePermit,
    running: Arc<Semaphore>,
}

/// Held while a request runs; dropping it frees its permits.
pub(crate) struct Held {
    _permit: OwnedSemaphorePermit,
    _running: Option<OwnedSemaphorePermit>,
}

impl Limit {
    /// At most `max` requests (at least one) run at once; up to `max_queue` more wait.
    pub fn new(name: &'static str, max: usize, max_queue: usize) -> Self {
        let max = max.max(1);
        let capacity = u32::try_from(max + max_queue).unwrap_or(u32::MAX);
        Self {
            name,
            admitted: Arc::new(Semaphore::new(capacity as usize)),
            running: Arc::new(Semaphore::new(max)),
            capacity,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A place for one more request, or "busy" when the limit is full.
    pub(crate) fn admit(&self) -> Result<Ticket, ServiceError> {
        let admitted = Arc::clone(&self.admitted)
            .try_acquire_owned()
            .map_err(|_| {
                ServiceError::unavailable(format!(
                    "{BUSY}too many {} requests, try again",
                    self.name
                ))
            })?;
        Ok(Ticket {
            admitted,
            running: Arc::clone(&self.running),
        })
    }

    /// True when `err` is a limit's "busy" answer: the handler never saw the request, so
    /// whatever the caller handed over for it (an upload) is still the caller's to clean up.
    pub fn refused(err: &ServiceError) -> bool {
        err.kind == ErrorKind::Unavailable && err.message.starts_with(BUSY)
    }

    /// Waits until no admitted request is left (shutdown).
    pub(crate) async fn drained(&self) {
        let _all = self.admitted.acquire_many(self.capacity).await;
    }
}

impl Slot {
    /// Waits for the request's turn to run.
    pub(crate) async fn ready(self) -> Result<Held, ServiceError> {
        let ticket = match self {
            Slot::Worker(permit) => {
                return Ok(Held {
                    _permit: permit,
                    _running: None,
                });
            }
            Slot::Limited(ticket) => ticket?,
        };
        let running = ticket
            .running
            .acquire_owned()
            .await
            .map_err(|_| ServiceError::unavailable("shutting down"))?;
        Ok(Held {
            _permit: ticket.admitted,
            _running: Some(running),
        })
    }
}
