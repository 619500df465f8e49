//! Serving a [`Router`] on the NATS service API: one endpoint per route in the service's
//! queue group (so instances share the load and answer `$SRV.PING|INFO|STATS`), a per-worker
//! concurrency limit (limited routes wait on their own [`Limit`] instead), requests whose
//! caller's deadline has passed dropped unanswered (counted as `expired` in the metrics and
//! in each endpoint's `$SRV.STATS` data), and a graceful stop that finishes in-flight
//! requests before draining.

use std::{
    collections::HashMap,
    panic::AssertUnwindSafe,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use async_nats::service::{self, ServiceExt};
use bytes::Bytes;
use contract::{ErrorKind, ServiceError};
use futures::{FutureExt, StreamExt};
use metrics::{Counter, Gauge, Histogram};
use tokio::{sync::Semaphore, task::JoinSet};
use tracing::Instrument;

use crate::{
    Limit, fit,
    limit::Slot,
    router::{Handler, Router},
};

/// How a worker presents itself on the service API.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    /// Requests handled at once by this instance; more wait in the NATS subscription.
    pub concurrency: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("starting NATS service {name}: {source}")]
    Service {
        name: &'static str,
        source: async_nats::Error,
    },
    #[error("flushing subscriptions: {0}")]
    Flush(#[from] async_nats::client::FlushError),
}

/// A running worker. Stop it with [`Worker::shutdown`], or it stops when dropped (abruptly).
pub struct Worker {
    client: async_nats::Client,
    service: service::Service,
    loops: JoinSet<()>,
    permits: Arc<Semaphore>,
    concurrency: usize,
    limits: Vec<Limit>,
}

/// Registers every route of `router` and starts taking requests. When this returns, the
/// subscriptions are known to the server: a request sent now will be served.
pub async fn start<S: Send + Sync + 'static>(
    client: async_nats::Client,
    spec: ServiceSpec,
    router: Router<S>,
    state: Arc<S>,
) -> Result<Worker, StartError> {
    let service_error = |source| StartError::Service {
        name: spec.name,
        source,
    };
    let metrics: HashMap<&'static str, Arc<SubjectMetrics>> = router
        .routes
        .iter()
        .map(|route| (route.name, Arc::new(SubjectMetrics::new(route.subject))))
        .collect();
    let stats = metrics.clone();
    let service = client
        .service_builder()
        .description(spec.description)
        .stats_handler(move |endpoint, _| {
            let expired = stats.get(endpoint.as_str()).map(|m| m.expired_count());
            serde_json::json!({ "expired": expired.unwrap_or_default() })
        })
        .start(spec.name, spec.version)
        .await
        .map_err(service_error)?;
    let concurrency = spec.concurrency.max(1);
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut loops = JoinSet::new();
    let mut limits = Vec::new();
    for route in router.routes {
        let endpoint = service
            .endpoint_builder()
            .name(route.name)
            .add(route.subject)
            .await
            .map_err(service_error)?;
        let ctx = EndpointCtx {
            subject: route.subject,
            handler: route.handler,
            state: Arc::clone(&state),
            permits: Arc::clone(&permits),
            metrics: Arc::clone(&metrics[route.name]),
            client: client.clone(),
            limit: route.limit.clone(),
        };
        limits.extend(route.limit);
        loops.spawn(endpoint_loop(endpoint, ctx));
    }
    client.flush().await?;
    tracing::info!(service = spec.name, concurrency, "worker serving");
    Ok(Worker {
        client,
        service,
        loops,
        permits,
        concurrency,
        limits,
    })
}

impl Worker {
    /// Serves until `shutdown` fires, then stops gracefully.
    pub async fn run_until(self, shutdown: crate::Shutdown) {
        shutdown.wait().await;
        self.shutdown().await;
    }

    /// Stops taking requests, finishes those in flight (and those already delivered to this
    /// instance), then drains the connection so replies are flushed before it closes.
    pub async fn shutdown(mut self) {
        if let Err(err) = self.service.stop().await {
            tracing::warn!(error = %err, "stopping service");
        }
        while self.loops.join_next().await.is_some() {}
        // Every request task holds a permit: owning them all means none is in flight.
        let _all = self.permits.acquire_many(self.concurrency as u32).await;
        for limit in &self.limits {
            limit.drained().await;
        }
        if let Err(err) = self.client.drain().await {
            tracing::warn!(error = %err, "draining NATS connection");
        }
    }
}

struct EndpointCtx<S> {
    subject: &'static str,
    handler: Handler<S>,
    state: Arc<S>,
    permits: Arc<Semaphore>,
    metrics: Arc<SubjectMetrics>,
    /// Whose server's `max_payload` bounds the replies.
    client: async_nats::Client,
    limit: Option<Limit>,
}

/// The subject's metric handles, looked up once: building a labelled key and finding it in
/// the registry on every request is a measurable share of a cheap request.
struct SubjectMetrics {
    in_flight: Gauge,
    ok: Counter,
    rejected: Counter,
    error: Counter,
    expired: Counter,
    /// `expired` again, readable for the service API's stats.
    expired_count: AtomicU64,
    duration: Histogram,
}

impl SubjectMetrics {
    fn new(subject: &'static str) -> Self {
        let outcome = |outcome: &'static str| metrics::counter!("mesh_requests_total", "subject" => subject, "outcome" => outcome);
        Self {
            in_flight: metrics::gauge!("mesh_in_flight", "subject" => subject),
            ok: outcome("ok"),
            rejected: outcome("rejected"),
            error: outcome("error"),
            expired: outcome("expired"),
            expired_count: AtomicU64::new(0),
            duration: metrics::histogram!("mesh_request_duration_seconds", "subject" => subject),
        }
    }

    fn expire(&self) {
        self.expired.increment(1);
        self.expired_count.fetch_add(1, Ordering::Relaxed);
    }

    fn expired_count(&self) -> u64 {
        self.expired_count.load(Ordering::Relaxed)
    }

    fn outcome(&self, result: &Result<Bytes, ServiceError>) -> &Counter {
        match result {
            Ok(_) => &self.ok,
            Err(err) => match err.kind {
                ErrorKind::Internal | ErrorKind::Unavailable | ErrorKind::Timeout => &self.error,
                _ => &self.rejected,
            },
        }
    }
}

async fn endpoint_loop<S: Send + Sync + 'static>(
    mut endpoint: service::endpoint::Endpoint,
    ctx: EndpointCtx<S>,
) {
    while let Some(request) = endpoint.next().await {
        let slot = match &ctx.limit {
            // Waits in the task, so this loop keeps admitting (or refusing) at once.
            Some(limit) => Slot::Limited(limit.admit()),
            None => match Arc::clone(&ctx.permits).acquire_owned().await {
                Ok(permit) => Slot::Worker(permit),
                Err(_) => return,
            },
        };
        let span = tracing::info_span!("nats.handle", subject = ctx.subject);
        crate::trace::adopt_parent(&span, request.message.headers.as_ref());
        let handler = Arc::clone(&ctx.handler);
        let state = Arc::clone(&ctx.state);
        let metrics = Arc::clone(&ctx.metrics);
        let subject = ctx.subject;
        let budget = fit::budget(&ctx.client);
        tokio::spawn(
            async move {
                let held = match slot.ready().await {
                    Ok(held) => held,
                    Err(busy) => return reply(request, subject, &metrics, Err(busy)).await,
                };
                // Checked once it may run: the wait for a permit is where deadlines pass.
                if crate::deadline::passed(request.message.headers.as_ref()) {
                    tracing::debug!(subject, "caller's deadline passed, dropped");
                    return metrics.expire();
                }
                handle(request, handler, state, subject, &metrics, budget).await;
                drop(held);
            }
            .instrument(span),
        );
    }
}

async fn handle<S>(
    request: service::Request,
    handler: Handler<S>,
    state: Arc<S>,
    subject: &'static str,
    metrics: &SubjectMetrics,
    budget: usize,
) {
    let started = Instant::now();
    metrics.in_flight.increment(1.0);
    // A panicking handler answers "internal error" instead of leaving the caller to time out.
    let result = AssertUnwindSafe(handler(state, request.message.payload.clone(), budget))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(ServiceError::internal("handler panicked")));
    reply(request, subject, metrics, result).await;
    metrics.in_flight.decrement(1.0);
    metrics.duration.record(started.elapsed().as_secs_f64());
}

/// Sends the answer and counts its outcome.
async fn reply(
    request: service::Request,
    subject: &'static str,
    metrics: &SubjectMetrics,
    result: Result<Bytes, ServiceError>,
) {
    let mut outcome = metrics.outcome(&result);
    let reply = result.map_err(|err| to_wire(subject, err));
    if let Err(err) = request.respond(reply).await {
        tracing::warn!(error = %err, "sending reply");
        // Whatever the reason, a small error may still get through: better than a time-out.
        let _ = request
            .respond(Err(to_wire(subject, fit::too_large())))
            .await;
        outcome = &metrics.error;
    }
    outcome.increment(1);
}

/// Internal details are logged here and never leave the worker.
fn to_wire(subject: &str, err: ServiceError) -> service::error::Error {
    let status = if err.kind == ErrorKind::Internal {
        tracing::error!(subject, error = %err.message, "request failed");
        "internal error".to_owned()
    } else {
        tracing::debug!(subject, error = %err, "request rejected");
        err.message
    };
    service::error::Error {
        status,
        code: usize::from(err.kind.code()),
    }
}
