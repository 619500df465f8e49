//! `video.v1.by_author`: an author's videos, newest first.

use std::sync::Arc;

use contract::video::{ListByAuthor, Videos};

use crate::{State, error::VideoError, store};

/// A publish list is one screen of an app; this bounds a reply well under NATS's 1 MiB.
const MAX_LIST: u32 = 1_000;

pub async fn handle(state: Arc<State>, request: ListByAuthor) -> Result<Videos, VideoError> {
    let rows = store::by_author(&state.db, request.author_id, MAX_LIST).await?;
    Ok(super::page(rows))
}
