//! The favorite domain's MySQL reads (the writes are in `persist.rs`).

use sqlx::{MySqlPool, QueryBuilder, Row};

use crate::state::PairState;

/// Which column selects the pairs of a key group.
#[derive(Debug, Clone, Copy)]
pub enum PairsBy {
    User,
    Video,
    Author,
}

/// One stored pair: (user, video) and its last state.
pub struct StoredPair {
    pub user: i64,
    pub video: i64,
    pub author: i64,
    pub state: PairState,
}

/// Every stored pair (liked or not: the sequence matters for rebuilds) whose user, video or
/// author is one of `ids`. Each lookup is an index range (primary key, `idx_favorites_video`,
/// `idx_favorites_author`), so a rebuild reads what the rebuilt keys hold.
pub async fn pairs(
    pool: &MySqlPool,
    by: PairsBy,
    ids: &[i64],
) -> Result<Vec<StoredPair>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let column = match by {
        PairsBy::User => "user_id",
        PairsBy::Video => "video_id",
        PairsBy::Author => "author_id",
    };
    let mut query = QueryBuilder::new(format!(
        "SELECT user_id, video_id, author_id, liked, seq, liked_ms FROM favorites WHERE {column} IN ("
    ));
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(")");
    let rows = query.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(StoredPair {
                user: row.try_get("user_id")?,
                video: row.try_get("video_id")?,
                author: row.try_get("author_id")?,
                state: PairState {
                    liked: row.try_get("liked")?,
                    seq: row.try_get::<i64, _>("seq")? as u64,
                    liked_ms: row.try_get("liked_ms")?,
                },
            })
        })
        .collect()
}
