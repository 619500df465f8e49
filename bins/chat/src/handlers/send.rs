//! `chat.v1.send`: 1–1000 characters after trimming, masked; not to yourself; the recipient
//! must exist. Written to the store, and the conversation's newest time raised, before the
//! reply, so both sides see it next time; then both are notified (live-chat streams). When
//! the store is unavailable the message waits in the `MESSAGES` stream instead (`deferred`).

use std::sync::Arc;

use contract::chat::{MessageInfo, SendMessage};

use crate::{State, announce, deferred, error::ChatError};

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
        create_time: crate::now_ms(),
    };
    // The store may move the time past the conversation's latest (see `ChatStore::append`).
    match deferred::try_store(&state, &message).await? {
        Some(stored_ms) => {
            message.create_time = stored_ms;
            announce::stored(&state, &message).await;
        }
        None => deferred::defer(&state, &message).await?,
    }
    Ok(message)
}
