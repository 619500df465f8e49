//! `video.v1.work_counts`: how many videos each of N authors published — from the feed index
//! where it knows, one statement for the rest.

use std::sync::Arc;

use contract::video::{AuthorCount, AuthorCounts, WorkCounts};

use crate::{State, error::VideoError, store};

const MAX_IDS: usize = 1_000;

pub async fn handle(state: Arc<State>, request: WorkCounts) -> Result<AuthorCounts, VideoError> {
    let mut ids = request.author_ids;
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_IDS {
        return Err(VideoError::Invalid(format!(
            "at most {MAX_IDS} ids per request"
        )));
    }
    let (mut counts, unknown) = state.index.work_counts(&ids);
    if !unknown.is_empty() {
        counts.extend(store::work_counts(&state.db, &unknown).await?);
    }
    counts.sort_unstable();
    let counts = counts
        .into_iter()
        .map(|(author_id, count)| AuthorCount { author_id, count })
        .collect();
    Ok(AuthorCounts { counts })
}
