//! `video.v1.feed`: a page of the global feed, newest first, strictly before a time.

use std::sync::Arc;

use contract::video::{FEED_PAGE, Feed, VideoInfo, Videos};

use crate::{State, error::VideoError, store};

pub async fn handle(state: Arc<State>, request: Feed) -> Result<Videos, VideoError> {
    let limit = request.limit.clamp(1, FEED_PAGE);
    // One extra row tells whether the page boundary splits a millisecond.
    let rows = store::feed(&state.db, request.before_ms, limit + 1).await?;
    Ok(Videos {
        videos: page(rows, limit as usize),
    })
}

/// The first `limit` rows — minus those sharing the last row's millisecond when the next
/// row shares it too. The client asks for the next page "strictly before" the oldest time
/// it got, so splitting a millisecond across pages would skip videos; trimming the split
/// millisecond makes the next page start with all of it. (A page of `limit` videos that all
/// share one millisecond cannot be split either way and is returned whole.)
fn page(mut rows: Vec<VideoInfo>, limit: usize) -> Vec<VideoInfo> {
    if rows.len() <= limit {
        return rows;
    }
    let boundary = rows[limit].created_ms;
    rows.truncate(limit);
    if rows[limit - 1].created_ms == boundary {
        let kept: Vec<VideoInfo> = rows
            .iter()
            .filter(|video| video.created_ms != boundary)
            .cloned()
            .collect();
        if !kept.is_empty() {
            return kept;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> VideoInfo {
        VideoInfo {
            id: ms,
            author_id: 1,
            title: String::new(),
            play_key: String::new(),
            cover_key: String::new(),
            created_ms: ms,
        }
    }

    #[test]
    fn a_page_never_splits_a_millisecond() {
        let rows = vec![at(9), at(8), at(7), at(7)];
        let times: Vec<i64> = page(rows, 3).iter().map(|v| v.created_ms).collect();
        assert_eq!(times, [9, 8]);
        let rows = vec![at(9), at(8), at(7), at(6)];
        assert_eq!(page(rows, 3).len(), 3);
        let rows = vec![at(9), at(8)];
        assert_eq!(page(rows, 3).len(), 2);
        let rows = vec![at(5), at(5), at(5), at(5)];
        assert_eq!(
            page(rows, 3).len(),
            3,
            "an unsplittable page is returned whole"
        );
    }
}
