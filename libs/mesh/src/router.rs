//! The explicit table subject → handler of a worker. Handlers are plain async functions of
//! (state, typed request); decoding, encoding and error mapping happen here, once.

use std::{future::Future, pin::Pin, sync::Arc};

use bytes::Bytes;
use contract::{Rpc, ServiceError};

pub(crate) type HandlerFuture = Pin<Box<dyn Future<Output = Result<Bytes, ServiceError>> + Send>>;
pub(crate) type Handler<S> = Arc<dyn Fn(Arc<S>, Bytes) -> HandlerFuture + Send + Sync>;

pub(crate) struct Route<S> {
    pub subject: &'static str,
    pub name: &'static str,
    pub handler: Handler<S>,
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

    /// Serves `R::SUBJECT` with `handler`. Errors convert into [`ServiceError`].
    pub fn route<R, F, Fut, E>(mut self, handler: F) -> Self
    where
        R: Rpc,
        F: Fn(Arc<S>, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::Reply, E>> + Send + 'static,
        E: Into<ServiceError>,
    {
        let handler = Arc::new(handler);
        let erased: Handler<S> = Arc::new(move |state, payload| {
            let request = serde_json::from_slice::<R>(&payload);
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                let request = request.map_err(|err| {
                    ServiceError::bad_request(format!("malformed {} request: {err}", R::SUBJECT))
                })?;
                let reply = handler(state, request).await.map_err(Into::into)?;
                serde_json::to_vec(&reply)
                    .map(Bytes::from)
                    .map_err(|err| ServiceError::internal(format!("encoding reply: {err}")))
            })
        });
        self.routes.push(Route {
            subject: R::SUBJECT,
            name: R::endpoint_name(),
            handler: erased,
        });
        self
    }

    /// The subjects served, in the order they were added.
    pub fn subjects(&self) -> Vec<&'static str> {
        self.routes.iter().map(|route| route.subject).collect()
    }
}
