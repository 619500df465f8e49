//! `favorite.v1.user_stats`: for N users, how many videos each liked and how many likes
//! their videos received.

use std::sync::Arc;

use contract::favorite::{UserStat, UserStats, UserStatsReply};

use crate::{State, error::FavoriteError, rebuild, store::CountBy};

/// More than any page shows; bounds the Redis work of one request.
const MAX_IDS: usize = 1_000;

pub async fn handle(
    state: Arc<State>,
    request: UserStats,
) -> Result<UserStatsReply, FavoriteError> {
    let ids = request.user_ids;
    if ids.len() > MAX_IDS {
        return Err(FavoriteError::Invalid(format!(
            "at most {MAX_IDS} ids per request"
        )));
    }
    let liked = liked_counts(&state, &ids).await?;
    let received = received_counts(&state, &ids).await?;
    let stats = ids
        .iter()
        .zip(liked.into_iter().zip(received))
        .map(|(id, (favorite_count, total_favorited))| UserStat {
            user_id: *id,
            favorite_count,
            total_favorited,
        })
        .collect();
    Ok(UserStatsReply { stats })
}

fn missing(ids: &[i64], found: &[Option<i64>]) -> Vec<i64> {
    ids.iter()
        .zip(found)
        .filter(|(_, v)| v.is_none())
        .map(|(id, _)| *id)
        .collect()
}

async fn liked_counts(state: &State, ids: &[i64]) -> Result<Vec<i64>, FavoriteError> {
    let mut found = state.hot.liked_counts(ids).await?;
    let lost = missing(ids, &found);
    if !lost.is_empty() {
        rebuild::users(state, &lost).await?;
        found = state.hot.liked_counts(ids).await?;
    }
    Ok(found.into_iter().map(Option::unwrap_or_default).collect())
}

async fn received_counts(state: &State, ids: &[i64]) -> Result<Vec<i64>, FavoriteError> {
    let keys = || ids.iter().map(|id| state.hot.author_count(*id)).collect();
    let mut found = state.hot.counts(keys()).await?;
    let lost = missing(ids, &found);
    if !lost.is_empty() {
        rebuild::counts(state, CountBy::Author, &lost).await?;
        found = state.hot.counts(keys()).await?;
    }
    Ok(found.into_iter().map(Option::unwrap_or_default).collect())
}
