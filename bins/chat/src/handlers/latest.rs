//! `chat.v1.latest`: the newest message with each of N peers, for the friend list.

use std::sync::Arc;

use contract::chat::{Latest, LatestMessages, PeerMessage};

use crate::{State, error::ChatError};

const MAX_PEERS: usize = 1_000;

pub async fn handle(state: Arc<State>, request: Latest) -> Result<LatestMessages, ChatError> {
    if request.peer_ids.len() > MAX_PEERS {
        return Err(ChatError::Invalid(format!(
            "at most {MAX_PEERS} peers per request"
        )));
    }
    let found = state
        .store
        .latest(request.user_id, &request.peer_ids)
        .await?;
    let latest = request
        .peer_ids
        .into_iter()
        .zip(found)
        .map(|(peer_id, message)| PeerMessage { peer_id, message })
        .collect();
    Ok(LatestMessages { latest })
}
