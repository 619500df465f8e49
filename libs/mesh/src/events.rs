//! Publishing domain events to JetStream: JSON payload, the current trace context in the
//! headers (so a consumer's batch span joins the request's trace), and the stream sequence
//! returned once the stream has stored it — the moment a write counts as acknowledged.

use async_nats::{HeaderMap, jetstream};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
#[error("publishing an event: {0}")]
pub struct PublishError(pub String);

/// Stores `event` under `subject`; returns its stream sequence.
pub async fn publish<E: Serialize>(
    js: &jetstream::Context,
    subject: String,
    event: &E,
) -> Result<u64, PublishError> {
    let payload = serde_json::to_vec(event).map_err(|e| PublishError(e.to_string()))?;
    let mut headers = HeaderMap::new();
    crate::trace::inject_current(&mut headers);
    // A message id per event: JetStream drops a republished copy within the stream's
    // duplicate window, so a replayed batch cannot even reach the consumer twice.
    let id = format!("{:032x}", rand::random::<u128>());
    headers.insert("Nats-Msg-Id", id.as_str());
    let ack = js
        .publish_with_headers(subject, headers, payload.into())
        .await
        .map_err(|e| PublishError(e.to_string()))?
        .await
        .map_err(|e| PublishError(e.to_string()))?;
    Ok(ack.sequence)
}
