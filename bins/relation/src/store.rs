//! The relation domain's MySQL reads (the writes are in `persist.rs`).

use mesh::batch::Versioned;
use sqlx::{MySqlPool, QueryBuilder, Row};

use crate::hot::Side;

/// Every stored pair touching these users on `side` (followed or not: the sequence matters
/// for rebuilds), as (user, other, state).
pub async fn pairs(
    pool: &MySqlPool,
    side: Side,
    users: &[i64],
) -> Result<Vec<(i64, i64, Versioned)>, sqlx::Error> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let (mine, other) = match side {
        Side::Out => ("follower_id", "followee_id"),
        Side::In => ("followee_id", "follower_id"),
    };
    let mut query = QueryBuilder::new(format!(
        "SELECT {mine} AS me, {other} AS other, following, seq, at_ms FROM follows WHERE {mine} IN ("
    ));
    let mut list = query.separated(", ");
    for id in users {
        list.push_bind(id);
    }
    query.push(")");
    let rows = query.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let state = Versioned {
                on: row.try_get("following")?,
                seq: row.try_get::<i64, _>("seq")? as u64,
                at_ms: row.try_get("at_ms")?,
            };
            Ok((row.try_get("me")?, row.try_get("other")?, state))
        })
        .collect()
}
