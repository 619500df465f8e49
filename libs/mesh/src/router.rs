//! The explicit table subject → handler of a worker. Handlers are plain async functions of
//! (state, typed request); decoding, encoding and error mapping happen here, once.

use std::{any::Any, future::Future, pin::Pin, sync::Arc};

use bytes::Bytes;
use contract::{Rpc, ServiceError, Trim};

use crate::fit::{self, Encoder};

use crate::Limit;

pub(crate) type HandlerFuture = Pin<Box<dyn Future<Output = Result<Bytes, ServiceError>> + Send>>;
/// (state, request payload, byte budget of the encoded reply).
pub(crate) type Handler<S> = Arc<dyn Fn(Arc<S>, Bytes, usize) -> HandlerFuture + Send + Sync>;

/// What a typed handler returns once its error is converted.
pub type LocalFuture<R> =
    Pin<Box<dyn Future<Output = Result<<R as Rpc>::Reply, ServiceError>> + Send>>;

/// A route's handler called in-process: the same function the worker serves, without the
/// JSON and the NATS hop (benchmarks compare the two; nothing in a deployment needs it).
pub type Local<S, R> = Arc<dyn Fn(Arc<S>, R) -> LocalFuture<R> + Send + Sync>;

pub(crate) struct Route<S> {
    pub subject: &'static str,
    pub name: &'static str,
    pub handler: Handler<S>,
    /// The typed handler, a [`Local<S, R>`] behind `Any` so routes of any `R` share one list.
    local: Arc<dyn Any + Send + Sync>,
    /// The bulkhead its requests wait on instead of the worker-wide permits, if any.
    pub limit: Option<Limit>,
}

/// The routes of one worker, over a shared state `S`.
pub struct Router<S> {
    pub(crate) routes: Vec<Route<S>>,
}

impl<S: Send + Sync + 'static> Default for Router<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Send + Sync + 'static> Router<S> {
    pub fn new() -> Self {
        Self { routes: Vec::new() }
    }

    /// Serves `R::SUBJECT` with `handler`. Errors convert into [`ServiceError`]; a reply
    /// too large for one NATS message answers "reply too large" (503).
    pub fn route<R, F, Fut, E>(self, handler: F) -> Self
    where
        R: Rpc,
        F: Fn(Arc<S>, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::Reply, E>> + Send + 'static,
        E: Into<ServiceError>,
    {
        self.add(handler, fit::whole::<R::Reply>)
    }

    /// Serves a list reply: one too large for a NATS message is cut from its end to fit
    /// ([`Trim`]), so the client gets a shorter page instead of a time-out.
    pub fn route_list<R, F, Fut, E>(self, handler: F) -> Self
    where
        R: Rpc<Reply: Trim + Clone>,
        F: Fn(Arc<S>, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::Reply, E>> + Send + 'static,
        E: Into<ServiceError>,
    {
        self.add(handler, fit::trimmed::<R::Reply>)
    }

    fn add<R, F, Fut, E>(mut self, handler: F, encode: Encoder<R::Reply>) -> Self
    where
        R: Rpc,
        F: Fn(Arc<S>, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::Reply, E>> + Send + 'static,
        E: Into<ServiceError>,
    {
        let typed: Local<S, R> = Arc::new(move |state, request| {
            let reply = handler(state, request);
            Box::pin(async move { reply.await.map_err(Into::into) })
        });
        let local = Arc::clone(&typed);
        let erased: Handler<S> = Arc::new(move |state, payload, budget| {
            let request = serde_json::from_slice::<R>(&payload);
            let typed = Arc::clone(&typed);
            Box::pin(async move {
                let request = request.map_err(|err| {
                    ServiceError::bad_request(format!("malformed {} request: {err}", R::SUBJECT))
                })?;
                encode(&typed(state, request).await?, budget)
            })
        });
        self.routes.push(Route {
            subject: R::SUBJECT,
            name: R::endpoint_name(),
            handler: erased,
            local: Arc::new(local),
            limit: None,
        });
        self
    }

    /// Puts the route added last behind `limit`: its requests run at most `limit`'s max at
    /// once, wait on it without taking a worker-wide permit, and are answered "busy" when its
    /// queue is full. Routes given the same limit share it.
    pub fn limited(mut self, limit: &Limit) -> Self {
        if let Some(route) = self.routes.last_mut() {
            route.limit = Some(limit.clone());
        }
        self
    }

    /// The subjects served, in the order they were added.
    pub fn subjects(&self) -> Vec<&'static str> {
        self.routes.iter().map(|route| route.subject).collect()
    }

    /// The typed handler of `R`'s route, if this router serves `R`.
    pub fn local<R: Rpc>(&self) -> Option<Local<S, R>> {
        self.routes
            .iter()
            .find(|route| route.subject == R::SUBJECT)
            .and_then(|route| route.local.downcast_ref::<Local<S, R>>())
            .cloned()
    }
}
