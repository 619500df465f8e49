//! Sends the chat store cannot take right now. A send waits at most `chat.store_timeout_ms`
//! for the store; when it is down or slower, the message goes to the `MESSAGES` stream and
//! the send is acknowledged from there — so a MySQL outage does not refuse messages — and
//! for `chat.defer_secs` after that the next sends go straight to the stream. The
//! `chat-persist` consumer ([`StoreDeferred`]) stores them once the store is back.
//!
//! Why polls still see each message once: the store gives a message its time when it
//! stores it (`ChatStore::append`: after the conversation's latest), whether the send or
//! the consumer stores it, and the newest time is raised only then. A deferred message is
//! therefore invisible until stored and then newer than everything a poll has seen; its
//! place in the conversation is where it was stored, after messages stored directly in the
//! meantime. A message both stored by a send (a commit whose answer was lost) and deferred
//! is found by id (`ChatStore::stored_time`; in MySQL a unique key) and kept once.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use contract::chat::{MessageInfo, event_subject};
use futures::future::BoxFuture;
use mesh::{
    batch::{ApplyBatch, ApplyError, Sequenced},
    outage::Outage,
};
use settings::ChatSettings;

use crate::{State, announce, error::ChatError, store::StoreError};

/// Whether sends try the store first, and how long they wait for it.
pub struct Deferring {
    timeout: Duration,
    window_ms: i64,
    /// Until when (ms since the epoch) sends go straight to the stream.
    until_ms: AtomicI64,
    deferred: metrics::Counter,
}

impl Deferring {
    pub fn new(settings: &ChatSettings) -> Self {
        Self {
            timeout: Duration::from_millis(settings.store_timeout_ms),
            window_ms: (settings.defer_secs * 1_000) as i64,
            until_ms: AtomicI64::new(0),
            deferred: metrics::counter!("chat_messages_deferred_total"),
        }
    }
}

/// Stores `message` and returns its stored time; `None` if the store could not take it in
/// time (or was found unavailable moments ago): the caller defers it. Other store errors
/// (not an outage) are the send's.
pub async fn try_store(state: &State, message: &MessageInfo) -> Result<Option<i64>, ChatError> {
    let deferring = &state.deferring;
    if crate::now_ms() < deferring.until_ms.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let reason = match tokio::time::timeout(deferring.timeout, state.store.append(message)).await {
        Ok(Ok(stored_ms)) => return Ok(Some(stored_ms)),
        Ok(Err(err)) if !err.is_outage() => return Err(err.into()),
        Ok(Err(err)) => err.to_string(),
        // An append cut short is rolled back, or — if its commit went through after all —
        // found by id when the deferred copy is stored.
        Err(_) => format!("no answer within {:?}", deferring.timeout),
    };
    tracing::warn!(reason, "chat store unavailable: deferring messages");
    let until = crate::now_ms() + deferring.window_ms;
    deferring.until_ms.fetch_max(until, Ordering::Relaxed);
    Ok(None)
}

/// Puts `message` in the `MESSAGES` stream: acknowledged once it is there.
pub async fn defer(state: &State, message: &MessageInfo) -> Result<(), ChatError> {
    let subject = event_subject(message.from_id, message.to_id);
    mesh::events::publish(&state.js, subject, message, None)
        .await
        .map_err(|err| ChatError::Stream(err.to_string()))?;
    state.deferring.deferred.increment(1);
    Ok(())
}

/// The `chat-persist` consumer's applier: stores each deferred message not stored yet, in
/// stream order, then announces it.
pub struct StoreDeferred(pub Arc<State>);

impl ApplyBatch for StoreDeferred {
    type Event = MessageInfo;

    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<MessageInfo>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let state = &self.0;
            for item in batch {
                let message = &item.event;
                // A redelivered batch finds its first messages stored already.
                if state
                    .store
                    .stored_time(message)
                    .await
                    .map_err(apply_error)?
                    .is_some()
                {
                    continue;
                }
                let create_time = state.store.append(message).await.map_err(apply_error)?;
                let stored = MessageInfo {
                    create_time,
                    ..message.clone()
                };
                announce::stored(state, &stored).await;
            }
            Ok(())
        })
    }
}

/// A store failure that will repeat (bad data) dead-letters the message; the rest retry.
fn apply_error(err: StoreError) -> ApplyError {
    if err.is_permanent() {
        ApplyError::Permanent(err.to_string())
    } else {
        ApplyError::Transient(err.to_string())
    }
}
