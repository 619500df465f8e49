//! `video.v1.feed`: a page of the global feed, newest first, strictly before a time.

use std::sync::Arc;

use contract::{
    paging::page_without_split,
    video::{FEED_PAGE, Feed, Videos},
};

use crate::{State, error::VideoError, store};

/// From the in-memory index when it holds the page (no MySQL query: the newest pages also
/// answer while MySQL is down), else from MySQL; both give the same rows.
pub async fn handle(state: Arc<State>, request: Feed) -> Result<Videos, VideoError> {
    let limit = request.limit.clamp(1, FEED_PAGE);
    // One extra row tells whether the page boundary splits a millisecond.
    let rows = match state.index.page(request.before_ms, limit as usize + 1) {
        Some(rows) => rows,
        None => store::feed(&state.db, request.before_ms, limit + 1).await?,
    };
    let rows = page_without_split(rows, limit as usize, |(video, _)| video.created_ms);
    Ok(super::page(rows))
}
