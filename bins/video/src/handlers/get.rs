//! `video.v1.get`: videos by id, in the order asked (one statement for the whole batch).

use std::{collections::HashMap, sync::Arc};

use contract::video::{GetVideos, Videos};

use crate::{State, error::VideoError, store};

const MAX_IDS: usize = 1_000;

pub async fn handle(state: Arc<State>, request: GetVideos) -> Result<Videos, VideoError> {
    if request.ids.len() > MAX_IDS {
        return Err(VideoError::Invalid(format!(
            "at most {MAX_IDS} ids per request"
        )));
    }
    let mut found: HashMap<i64, _> = store::by_ids(&state.db, &request.ids)
        .await?
        .into_iter()
        .map(|video| (video.id, video))
        .collect();
    let videos = request
        .ids
        .iter()
        .filter_map(|id| found.remove(id))
        .collect();
    Ok(Videos {
        videos,
        work_counts: Vec::new(),
    })
}
