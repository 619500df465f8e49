//! The comment domain's MySQL reads (the writes are in `persist.rs`).

use contract::comment::CommentEvent;
use sqlx::{MySqlPool, QueryBuilder, Row};

/// Every stored comment of these videos — deleted ones too, as their latest event.
pub async fn latest(
    pool: &MySqlPool,
    videos: &[i64],
) -> Result<Vec<(u64, CommentEvent)>, sqlx::Error> {
    if videos.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::new(
        "SELECT id, video_id, user_id, content, created_ms, deleted, seq FROM comments WHERE video_id IN (",
    );
    let mut list = query.separated(", ");
    for id in videos {
        list.push_bind(id);
    }
    query.push(")");
    let rows = query.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let event = CommentEvent {
                comment_id: row.try_get("id")?,
                video_id: row.try_get("video_id")?,
                user_id: row.try_get("user_id")?,
                content: row.try_get("content")?,
                created_ms: row.try_get("created_ms")?,
                deleted: row.try_get("deleted")?,
            };
            Ok((row.try_get::<i64, _>("seq")? as u64, event))
        })
        .collect()
}
