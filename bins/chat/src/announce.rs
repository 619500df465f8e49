//! What follows a message being stored, whoever stored it (its send, or the consumer of
//! deferred messages): the conversation's newest time raised, so polls read it, then both
//! users notified (their live-chat streams push it on).

use contract::chat::{MessageInfo, notice_subject};

use crate::State;

/// `message` carries the time the store gave it.
pub async fn stored(state: &State, message: &MessageInfo) {
    // The message is stored: nothing here may fail the send, or the app would send it again.
    // A failed raise hides it from polls for at most `chat.newest_ttl_secs`.
    if let Err(err) = state
        .newest
        .raise(message.from_id, message.to_id, message.create_time)
        .await
    {
        tracing::warn!(error = %err, "raising the newest message time");
    }
    for user_id in [message.to_id, message.from_id] {
        mesh::notices::send(&state.nats, notice_subject(user_id), message).await;
    }
}
