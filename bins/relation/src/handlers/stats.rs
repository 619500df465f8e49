//! `relation.v1.stats`: for N users, follow and follower counts and whether the viewer
//! follows each — a constant number of Redis calls, one rebuild for whatever was lost.

use std::sync::Arc;

use contract::relation::{RelationStat, RelationStats, RelationStatsReply};

use crate::{State, error::RelationError, hot::Side, rebuild};

/// More than any page shows; bounds the Redis work of one request.
const MAX_IDS: usize = 1_000;

pub async fn handle(
    state: Arc<State>,
    request: RelationStats,
) -> Result<RelationStatsReply, RelationError> {
    let ids = request.user_ids;
    if ids.len() > MAX_IDS {
        return Err(RelationError::Invalid(format!(
            "at most {MAX_IDS} ids per request"
        )));
    }
    let follows = sizes(&state, Side::Out, &ids).await?;
    let followers = sizes(&state, Side::In, &ids).await?;
    let viewer_follows = match request.viewer {
        Some(viewer) => viewer_follows(&state, viewer, &ids).await?,
        None => vec![false; ids.len()],
    };
    let stats = ids
        .iter()
        .enumerate()
        .map(|(i, user_id)| RelationStat {
            user_id: *user_id,
            follow_count: follows[i],
            follower_count: followers[i],
            viewer_follows: viewer_follows[i],
        })
        .collect();
    Ok(RelationStatsReply { stats })
}

async fn sizes(state: &State, side: Side, ids: &[i64]) -> Result<Vec<i64>, RelationError> {
    let mut found = state.hot.sizes(side, ids).await?;
    let missing: Vec<i64> = ids
        .iter()
        .zip(&found)
        .filter(|(_, v)| v.is_none())
        .map(|(id, _)| *id)
        .collect();
    if !missing.is_empty() {
        rebuild::sets(state, side, &missing).await?;
        found = state.hot.sizes(side, ids).await?;
    }
    Ok(found.into_iter().map(Option::unwrap_or_default).collect())
}

async fn viewer_follows(
    state: &State,
    viewer: i64,
    ids: &[i64],
) -> Result<Vec<bool>, RelationError> {
    if let Some(flags) = state.hot.follows(viewer, ids).await? {
        return Ok(flags);
    }
    rebuild::sets(state, Side::Out, &[viewer]).await?;
    Ok(state
        .hot
        .follows(viewer, ids)
        .await?
        .unwrap_or_else(|| vec![false; ids.len()]))
}
