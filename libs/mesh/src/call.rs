//! Typed requests to workers: the request type picks the subject and the reply type, errors
//! come back from the service headers, and the current trace context travels along.

use std::{sync::Arc, time::Duration};

use async_nats::{HeaderMap, client::RequestErrorKind, connection::State};
use bytes::Bytes;
use contract::{ErrorKind, Rpc, ServiceError};

use settings::{CacheSettings, Settings};
use tracing::Instrument;

use crate::{ERROR_CODE_HEADER, ERROR_HEADER, facts::Facts};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The worker answered with an error.
    #[error("{0}")]
    Service(ServiceError),
    /// Nobody serves the subject (no worker running).
    #[error("no responders on {0}")]
    NoResponders(&'static str),
    /// A worker took the request but did not answer in time.
    #[error("request to {0} timed out")]
    Timeout(&'static str),
    /// This process is not connected to NATS right now.
    #[error("not connected to NATS")]
    Disconnected,
    /// The request could not be sent, or the reply could not be read.
    #[error("{0}")]
    Transport(String),
}

impl From<CallError> for ServiceError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::Service(err) => err,
            CallError::NoResponders(_) | CallError::Disconnected => {
                ServiceError::unavailable("service unavailable, try again later")
            }
            CallError::Timeout(_) => ServiceError::timeout("service timed out, try again later"),
            CallError::Transport(message) => ServiceError::internal(message),
        }
    }
}

/// A NATS client, the timeout to use for every call, and the process's caches of immutable
/// facts (`facts.rs`).
#[derive(Clone)]
pub struct Caller {
    pub client: async_nats::Client,
    pub timeout: Duration,
    pub(crate) facts: Arc<Facts>,
}

impl Caller {
    /// A caller whose caches have the default sizes.
    pub fn new(client: async_nats::Client, timeout: Duration) -> Self {
        Self::with_caches(client, timeout, &CacheSettings::default())
    }

    /// A caller with the request timeout and cache sizes of `settings`.
    pub fn from_settings(client: async_nats::Client, settings: &Settings) -> Self {
        Self::with_caches(client, settings.request_timeout(), &settings.cache)
    }

    pub fn with_caches(
        client: async_nats::Client,
        timeout: Duration,
        caches: &CacheSettings,
    ) -> Self {
        let facts = Arc::new(Facts::new(caches, timeout));
        Self {
            client,
            timeout,
            facts,
        }
    }

    pub async fn call<R: Rpc>(&self, request: &R) -> Result<R::Reply, CallError> {
        call(&self.client, request, self.timeout).await
    }
}

/// Sends `request` to `R::SUBJECT` and waits at most `timeout` for the typed reply.
pub async fn call<R: Rpc>(
    client: &async_nats::Client,
    request: &R,
    timeout: Duration,
) -> Result<R::Reply, CallError> {
    // A client span per subject request: its context goes in the headers, so the worker's
    // handler span is its child and a trace shows each hop the REST call made.
    let span = tracing::info_span!("nats.request", subject = R::SUBJECT, otel.kind = "client");
    request_in_span(client, request, timeout)
        .instrument(span)
        .await
}

async fn request_in_span<R: Rpc>(
    client: &async_nats::Client,
    request: &R,
    timeout: Duration,
) -> Result<R::Reply, CallError> {
    // While disconnected the client would buffer the request until the timeout: say so at once.
    if client.connection_state() != State::Connected {
        return Err(CallError::Disconnected);
    }
    let payload = serde_json::to_vec(request)
        .map_err(|err| CallError::Transport(format!("encoding {}: {err}", R::SUBJECT)))?;
    let mut headers = HeaderMap::new();
    crate::trace::inject_current(&mut headers);
    crate::deadline::stamp(&mut headers, timeout);
    let message = client
        .send_request(
            R::SUBJECT,
            async_nats::Request::new()
                .payload(Bytes::from(payload))
                .headers(headers)
                .timeout(Some(timeout)),
        )
        .await
        .map_err(|err| match err.kind() {
            RequestErrorKind::NoResponders => CallError::NoResponders(R::SUBJECT),
            RequestErrorKind::TimedOut => CallError::Timeout(R::SUBJECT),
            _ => CallError::Transport(format!("request to {}: {err}", R::SUBJECT)),
        })?;
    if let Some(err) = service_error(message.headers.as_ref()) {
        return Err(CallError::Service(err));
    }
    serde_json::from_slice(&message.payload)
        .map_err(|err| CallError::Transport(format!("decoding reply of {}: {err}", R::SUBJECT)))
}

/// The error carried in a reply's service headers, if there is one.
fn service_error(headers: Option<&HeaderMap>) -> Option<ServiceError> {
    let headers = headers?;
    let code = headers
        .get(ERROR_CODE_HEADER)?
        .as_str()
        .trim()
        .parse::<u16>();
    let message = headers
        .get(ERROR_HEADER)
        .map(|value| value.as_str().to_owned())
        .unwrap_or_default();
    let kind = code.map_or(ErrorKind::Internal, ErrorKind::from_code);
    Some(ServiceError::new(kind, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_without_error_headers_are_successes() {
        assert_eq!(service_error(None), None);
        assert_eq!(service_error(Some(&HeaderMap::new())), None);
    }

    #[test]
    fn error_headers_become_service_errors() {
        let mut headers = HeaderMap::new();
        headers.insert(ERROR_HEADER, "no such user");
        headers.insert(ERROR_CODE_HEADER, "404");
        assert_eq!(
            service_error(Some(&headers)),
            Some(ServiceError::not_found("no such user"))
        );
    }
}
