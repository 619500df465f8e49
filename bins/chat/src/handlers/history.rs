//! `chat.v1.history`: one conversation, both directions, oldest first, strictly newer than
//! the time the app already has — the call apps make every second, so one range read.

use std::sync::Arc;

use contract::{
    chat::{History, Messages},
    paging::page_without_split,
};

use crate::{State, error::ChatError};

pub async fn handle(state: Arc<State>, request: History) -> Result<Messages, ChatError> {
    // One extra row tells whether the page would end inside a millisecond.
    let rows = state
        .store
        .after(
            request.user_id,
            request.peer_id,
            request.after_ms,
            state.page + 1,
        )
        .await?;
    let messages = page_without_split(rows, state.page as usize, |m| m.create_time);
    Ok(Messages { messages })
}
