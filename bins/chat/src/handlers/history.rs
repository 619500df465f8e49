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
    let (a, b, after_ms) = (request.user_id, request.peer_id, request.after_ms);
    // Redis failing only costs the range read.
    let known = state.newest.known(a, b).await.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "reading the newest message time");
        Known::Unknown
    });
    if matches!(known, Known::At(newest_ms) if newest_ms <= after_ms) {
        return Ok(Messages {
            messages: Vec::new(),
        });
    }
    // One extra row tells whether the page would end inside a millisecond.
    let rows = state.store.after(a, b, after_ms, state.page + 1).await?;
    if let Known::Lease(lease) = known {
        // A read that was not cut short saw every message after `after_ms`: the newest one
        // (or `after_ms` itself) is at or after every message stored before the read.
        if rows.len() <= state.page as usize {
            let newest_ms = rows
                .last()
                .map_or(after_ms, |m| m.create_time.max(after_ms));
            if let Err(err) = state.newest.fill(a, b, &lease, newest_ms).await {
                tracing::warn!(error = %err, "storing the newest message time");
            }
        }
    }
    let messages = page_without_split(rows, state.page as usize, |m| m.create_time);
    Ok(Messages { messages })
}
