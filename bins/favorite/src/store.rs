//! The favorite domain's MySQL reads (the writes are in `persist.rs`).

use std::collections::HashMap;

use sqlx::{MySqlConnection, MySqlPool, QueryBuilder, Row};

use crate::state::PairState;

fn pair_state(row: &sqlx::mysql::MySqlRow) -> Result<PairState, sqlx::Error> {
    Ok(PairState {
        liked: row.try_get("liked")?,
        seq: row.try_get::<i64, _>("seq")? as u64,
        liked_ms: row.try_get("liked_ms")?,
    })
}

/// Every stored pair of these users (liked or not: the sequence matters for rebuilds).
pub async fn user_pairs(
    pool: &MySqlPool,
    users: &[i64],
) -> Result<Vec<(i64, i64, PairState)>, sqlx::Error> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::new(
        "SELECT user_id, video_id, liked, seq, liked_ms FROM favorites WHERE user_id IN (",
    );
    let mut list = query.separated(", ");
    for id in users {
        list.push_bind(id);
    }
    query.push(")");
    let rows = query.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("user_id")?,
                row.try_get("video_id")?,
                pair_state(row)?,
            ))
        })
        .collect()
}

/// The stored state of these (user, video) pairs.
pub async fn pairs(
    conn: &mut MySqlConnection,
    pairs: &[(i64, i64)],
) -> Result<HashMap<(i64, i64), PairState>, sqlx::Error> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let mut query = QueryBuilder::new(
        "SELECT user_id, video_id, liked, seq, liked_ms FROM favorites WHERE (user_id, video_id) IN (",
    );
    let mut list = query.separated(", ");
    for (user, video) in pairs {
        list.push(format!("({user}, {video})"));
    }
    query.push(")");
    let rows = query.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            Ok((
                (row.try_get("user_id")?, row.try_get("video_id")?),
                pair_state(row)?,
            ))
        })
        .collect()
}

/// Which column a like count is grouped by.
#[derive(Debug, Clone, Copy)]
pub enum CountBy {
    Video,
    Author,
}

/// Current likes per video (or per author), from the covering indexes.
pub async fn like_counts(
    conn: &mut MySqlConnection,
    by: CountBy,
    ids: &[i64],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let column = match by {
        CountBy::Video => "video_id",
        CountBy::Author => "author_id",
    };
    let mut query = QueryBuilder::new(format!(
        "SELECT {column} AS id, COUNT(*) AS n FROM favorites WHERE liked = 1 AND {column} IN ("
    ));
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(format!(") GROUP BY {column}"));
    let rows = query.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("n")?)))
        .collect()
}
