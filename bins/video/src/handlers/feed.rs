//! `video.v1.feed`: a page of the global feed, newest first, strictly before a time.

use std::sync::Arc;

use contract::{
    paging::page_without_split,
    video::{FEED_PAGE, Feed, Videos},
};

use crate::{State, error::VideoError, store};

pub async fn handle(state: Arc<State>, request: Feed) -> Result<Videos, VideoError> {
    let limit = request.limit.clamp(1, FEED_PAGE);
    // One extra row tells whether the page boundary splits a millisecond.
    let rows = store::feed(&state.db, request.before_ms, limit + 1).await?;
    let rows = page_without_split(rows, limit as usize, |(video, _)| video.created_ms);
    Ok(super::page(rows))
}
