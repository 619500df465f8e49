//! `favorite.v1.user_stats`: for N users, how many videos each liked and how many likes
//! their videos received — one round trip, plus one rebuild batch for what was missing.

use std::sync::Arc;

use contract::favorite::{UserStat, UserStats, UserStatsReply};

use crate::{State, error::FavoriteError, hot::FavKey, rebuild};

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
    let users: Vec<FavKey> = ids.iter().map(|id| FavKey::User(*id)).collect();
    let authors: Vec<FavKey> = ids.iter().map(|id| FavKey::Author(*id)).collect();
    let (shared, ids_ref, users, authors) = (&*state, &ids, &users, &authors);
    let attempt = || async move {
        let (liked, received) = read(shared, ids_ref, authors).await?;
        let mut missing = super::missing(users, &liked);
        missing.extend(super::missing(authors, &received));
        Ok(((liked, received), missing))
    };
    let (liked, received) = rebuild::read_through(&state, attempt).await?;
    let stats = ids
        .iter()
        .zip(liked.into_iter().zip(received))
        .map(|(id, (favorite_count, total_favorited))| UserStat {
            user_id: *id,
            favorite_count: favorite_count.unwrap_or_default(),
            total_favorited: total_favorited.unwrap_or_default(),
        })
        .collect();
    Ok(UserStatsReply { stats })
}

type Counts = Vec<Option<i64>>;

async fn read(
    state: &State,
    ids: &[i64],
    authors: &[FavKey],
) -> Result<(Counts, Counts), FavoriteError> {
    Ok(tokio::try_join!(
        state.hot.liked_counts(ids),
        state.hot.counts(authors)
    )?)
}
