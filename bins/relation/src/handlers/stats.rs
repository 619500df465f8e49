//! `relation.v1.stats`: for N users, follow and follower counts and whether the viewer
//! follows each — one Redis round trip, plus one rebuild of whatever was lost.

use std::sync::Arc;

use contract::relation::{RelationStat, RelationStats, RelationStatsReply};

use crate::{
    State,
    error::RelationError,
    hot::{Side, Stats},
    rebuild,
};

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
    let mut read = state.hot.stats(&ids, request.viewer).await?;
    let lost = lost_sides(&ids, request.viewer, &read);
    if !lost.is_empty() {
        rebuild::sides(&state, &lost).await?;
        read = state.hot.stats(&ids, request.viewer).await?;
    }
    let viewer_follows = read
        .viewer_follows
        .unwrap_or_else(|| vec![false; ids.len()]);
    let stats = ids
        .iter()
        .enumerate()
        .map(|(i, user_id)| RelationStat {
            user_id: *user_id,
            follow_count: read.follows[i].unwrap_or_default(),
            follower_count: read.followers[i].unwrap_or_default(),
            viewer_follows: viewer_follows[i],
        })
        .collect();
    Ok(RelationStatsReply { stats })
}

/// The sides the read found not loaded, each once.
fn lost_sides(ids: &[i64], viewer: Option<i64>, read: &Stats) -> Vec<(Side, i64)> {
    let mut lost = Vec::new();
    for (i, user) in ids.iter().enumerate() {
        if read.follows[i].is_none() {
            lost.push((Side::Out, *user));
        }
        if read.followers[i].is_none() {
            lost.push((Side::In, *user));
        }
    }
    if let Some(viewer) = viewer.filter(|_| read.viewer_follows.is_none()) {
        lost.push((Side::Out, viewer));
    }
    lost.sort_unstable_by_key(|(side, user)| (*user, *side == Side::In));
    lost.dedup();
    lost
}
