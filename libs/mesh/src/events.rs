//! Publishing domain events to JetStream: JSON payload, the current trace context in the
//! headers (so a consumer's batch span joins the request's trace), and the stream sequence
//! returned once the stream has stored it — the moment a write counts as acknowledged.
//! A caller that can name its write (a comment: who, where, what) passes a message id, so
//! the stream stores a retried copy within its duplicate window once; `stored` reads back
//! what the stream kept under that id.

use async_nats::{HeaderMap, jetstream};
use serde::{Serialize, de::DeserializeOwned};
use tracing::Instrument;

#[derive(Debug, thiserror::Error)]
#[error("publishing an event: {0}")]
pub struct PublishError(pub String);

/// Where the stream keeps a published event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub sequence: u64,
    /// The stream already held a message with this id (within its duplicate window): nothing
    /// new was stored, and `sequence` is the original's.
    pub duplicate: bool,
}

/// Stores `event` under `subject`. With `msg_id` the stream drops a copy published again
/// within its duplicate window and answers the original's sequence; without one (writes that
/// are idempotent by nature, such as setting a like) every publish is stored.
pub async fn publish<E: Serialize>(
    js: &jetstream::Context,
    subject: String,
    event: &E,
    msg_id: Option<&str>,
) -> Result<Stored, PublishError> {
    // A producer span: the event's headers carry its context, which the batch links to.
    let span = tracing::info_span!("stream.publish", subject, otel.kind = "producer");
    publish_in_span(js, subject, event, msg_id)
        .instrument(span)
        .await
}

async fn publish_in_span<E: Serialize>(
    js: &jetstream::Context,
    subject: String,
    event: &E,
    msg_id: Option<&str>,
) -> Result<Stored, PublishError> {
    let payload = serde_json::to_vec(event).map_err(|e| PublishError(e.to_string()))?;
    let mut headers = HeaderMap::new();
    crate::trace::inject_current(&mut headers);
    if let Some(id) = msg_id {
        headers.insert("Nats-Msg-Id", id);
    }
    let ack = js
        .publish_with_headers(subject, headers, payload.into())
        .await
        .map_err(|e| PublishError(e.to_string()))?
        .await
        .map_err(|e| PublishError(e.to_string()))?;
    Ok(Stored {
        sequence: ack.sequence,
        duplicate: ack.duplicate,
    })
}

/// The event `stream` stores at `sequence`, decoded (a raw get by sequence: it works whether
/// or not the stream allows direct gets).
pub async fn stored<E: DeserializeOwned>(
    js: &jetstream::Context,
    stream: &str,
    sequence: u64,
) -> Result<E, PublishError> {
    let stream = js
        .get_stream_no_info(stream)
        .await
        .map_err(|e| PublishError(e.to_string()))?;
    let message = stream
        .get_raw_message(sequence)
        .await
        .map_err(|e| PublishError(e.to_string()))?;
    serde_json::from_slice(&message.payload).map_err(|e| PublishError(e.to_string()))
}

/// Whether a publish failed because JetStream has no room: the server's storage limit
/// ("insufficient resources", error 10023) or the stream's own ("maximum bytes/messages").
pub fn store_full(reason: &str) -> bool {
    reason.contains("insufficient resources") || reason.contains("maximum")
}

/// The 503 a domain answers when its event could not be stored. A full store is named,
/// since it is the one cause that does not pass by itself: an operator must make room.
pub fn not_recorded(what: &str, reason: &str) -> contract::error::ServiceError {
    let message = if store_full(reason) {
        format!("{what} cannot be recorded right now: the event store is full")
    } else {
        format!("{what} cannot be recorded right now")
    };
    contract::error::ServiceError::unavailable(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_store_is_named_and_other_failures_are_not() {
        let full = "publish failed: insufficient resources (code 503, error code 10023)";
        assert!(
            not_recorded("likes", full)
                .message
                .ends_with("the event store is full")
        );
        assert!(store_full("maximum bytes exceeded"));
        let timeout = not_recorded("likes", "timed out: didn't receive an ack");
        assert_eq!(timeout.message, "likes cannot be recorded right now");
        assert_eq!(timeout.kind, contract::error::ErrorKind::Unavailable);
    }
}
