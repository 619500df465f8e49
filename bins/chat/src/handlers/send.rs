//! `chat.v1.send`: 1–1000 characters after trimming, masked; not to yourself; the recipient
//! must exist. Written to the store, and the conversation's newest time raised, before the
//! reply, so both sides see it next time; then both are notified (live-chat streams).

use std::sync::Arc;

use contract::chat::{MessageInfo, SendMessage, notice_subject};

use crate::{State, error::ChatError};

const CONTENT_MAX: usize = 1_000;

pub async fn handle(state: Arc<State>, request: SendMessage) -> Result<MessageInfo, ChatError> {
    if request.from_id == request.to_id {
        return Err(ChatError::Invalid("you cannot message yourself".into()));
    }
    let content = request.content.trim();
    let count = content.chars().count();
    if count == 0 || count > CONTENT_MAX {
        return Err(ChatError::Invalid(format!(
            "a message is 1–{CONTENT_MAX} characters"
        )));
    }
    if request.to_id <= 0 {
        return Err(ChatError::Invalid(
            "to_user_id must be a positive id".into(),
        ));
    }
    // From the facts cache (a user is never edited or deleted): one lookup less per message.
    let found = state.caller.profiles(&[request.to_id]).await?;
    if !found.contains_key(&request.to_id) {
        return Err(ChatError::NoSuchUser);
    }
    let mut message = MessageInfo {
        id: state.ids.next_id().await?,
        from_id: request.from_id,
        to_id: request.to_id,
        content: state.filter.mask(content),
        create_time: now_ms(),
    };
    // The store may move the time past the conversation's latest (see `ChatStore::append`).
    message.create_time = state.store.append(&message).await?;
    // The message is stored: failing the send now would make the app send it again. A
    // failed raise hides it from polls for at most `chat.newest_ttl_secs`.
    if let Err(err) = state
        .newest
        .raise(message.from_id, message.to_id, message.create_time)
        .await
    {
        tracing::warn!(error = %err, "raising the newest message time");
    }
    for user_id in [message.to_id, message.from_id] {
        mesh::notices::send(&state.nats, notice_subject(user_id), &message).await;
    }
    Ok(message)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
