//! `comment.v1.counts`: comment counts of N videos (one Redis round trip; one rebuild for all the
//! videos whose state was lost).

use std::sync::Arc;

use contract::comment::{CommentCounts, VideoCommentCount, VideoCommentCounts};

use crate::{State, error::CommentError, rebuild};

/// More than any page shows; bounds the Redis work of one request.
const MAX_IDS: usize = 1_000;

pub async fn handle(
    state: Arc<State>,
    request: CommentCounts,
) -> Result<VideoCommentCounts, CommentError> {
    let ids = request.video_ids;
    if ids.len() > MAX_IDS {
        return Err(CommentError::Invalid(format!(
            "at most {MAX_IDS} ids per request"
        )));
    }
    let mut found = state.hot.counts(&ids).await?;
    let missing: Vec<i64> = ids
        .iter()
        .zip(&found)
        .filter(|(_, count)| count.is_none())
        .map(|(id, _)| *id)
        .collect();
    if !missing.is_empty() {
        rebuild::videos(&state, &missing).await?;
        found = state.hot.counts(&ids).await?;
    }
    let counts = ids
        .iter()
        .zip(found)
        .map(|(video_id, count)| VideoCommentCount {
            video_id: *video_id,
            count: count.unwrap_or_default(),
        })
        .collect();
    Ok(VideoCommentCounts { counts })
}
