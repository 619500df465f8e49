//! View composition: a page of N objects costs one batch request per owning domain, never
//! one request per object. Domains that land later add one batch call each here.

use std::collections::HashMap;

use contract::{
    user::GetUsers,
    video::{VideoInfo, WorkCounts},
};

use crate::{
    AppState,
    error::ApiError,
    views::{User, Video},
};

/// Users by id as `viewer` sees them: profiles and work counts, fetched concurrently.
pub async fn users(
    state: &AppState,
    _viewer: Option<i64>,
    mut ids: Vec<i64>,
) -> Result<HashMap<i64, User>, ApiError> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (profile_request, work_request) = (
        GetUsers { ids: ids.clone() },
        WorkCounts { author_ids: ids },
    );
    let (profiles, works) = tokio::try_join!(
        state.caller.call(&profile_request),
        state.caller.call(&work_request)
    )?;
    let works: HashMap<i64, i64> = works
        .counts
        .into_iter()
        .map(|count| (count.author_id, count.count))
        .collect();
    Ok(profiles
        .users
        .into_iter()
        .map(|profile| {
            let mut user = User::from_profile(profile, &state.public_base_url);
            user.work_count = works.get(&user.id).copied().unwrap_or_default();
            (user.id, user)
        })
        .collect())
}

/// Videos with their authors, in the order given. A video whose author is gone is dropped.
pub async fn videos(
    state: &AppState,
    viewer: Option<i64>,
    infos: Vec<VideoInfo>,
) -> Result<Vec<Video>, ApiError> {
    let author_ids = infos.iter().map(|info| info.author_id).collect();
    let authors = users(state, viewer, author_ids).await?;
    Ok(infos
        .into_iter()
        .filter_map(|info| {
            let author = authors.get(&info.author_id)?.clone();
            Some(Video::new(info, author, &state.media_base_url))
        })
        .collect())
}
