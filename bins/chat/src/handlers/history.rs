//! `chat.v1.history`: one conversation, both directions, oldest first, strictly newer than
//! the time the app already has — the call apps make every second. When Redis knows that
//! nothing is newer (`newest.rs`) it costs one GET; otherwise one range read.

use std::sync::Arc;

use contract::{
    chat::{History, Messages},
    paging::page_without_split,
};

use crate::{State, error::ChatError, newest::Known};

pub async fn handle(state: Arc<State>, request: History) -> Result<Messages, ChatError> {
    let (a, b) = (request.user_id, request.peer_id);
    if newest_at_or_before(&state, a, b, request.after_ms).await? {
        return Ok(Messages {
            messages: Vec::new(),
        });
    }
    // One extra row tells whether the page would end inside a millisecond.
    let rows = state
        .store
        .after(a, b, request.after_ms, state.page + 1)
        .await?;
    let messages = page_without_split(rows, state.page as usize, |m| m.create_time);
    Ok(Messages { messages })
}

/// Whether the conversation has no message after `after_ms`, as far as can be told without
/// a range read. Redis failing only costs the range read.
async fn newest_at_or_before(
    state: &State,
    a: i64,
    b: i64,
    after_ms: i64,
) -> Result<bool, ChatError> {
    let known = match state.newest.known(a, b).await {
        Ok(known) => known,
        Err(err) => {
            tracing::warn!(error = %err, "reading the newest message time");
            return Ok(false);
        }
    };
    let newest_ms = match known {
        Known::At(newest_ms) => newest_ms,
        Known::Unknown => return Ok(false),
        Known::Lease(lease) => {
            let latest = state.store.latest(a, &[b]).await?;
            let newest_ms = latest
                .first()
                .and_then(Option::as_ref)
                .map_or(0, |message| message.create_time);
            if let Err(err) = state.newest.fill(a, b, &lease, newest_ms).await {
                tracing::warn!(error = %err, "storing the newest message time");
            }
            newest_ms
        }
    };
    Ok(newest_ms <= after_ms)
}
