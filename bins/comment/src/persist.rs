//! The COMMENTS stream → MySQL: one multi-row upsert per batch, in one transaction. A row
//! only moves forward (a newer stream sequence), so replays and out-of-order redelivery
//! leave the table as the latest events say; deletes are tombstones.

use contract::comment::CommentEvent;
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};
use sqlx::{MySqlPool, QueryBuilder};

pub struct Persist {
    pub db: MySqlPool,
}

// `seq` is assigned last: MySQL evaluates the assignments left to right. A delete that
// arrives first leaves a tombstone (delete events carry the text too); the post arriving
// after it keeps it deleted.
const UPSERT_TAIL: &str = " ON DUPLICATE KEY UPDATE \
     content = IF(content = '', VALUES(content), content), \
     deleted = IF(VALUES(seq) > seq, VALUES(deleted), deleted), \
     seq = GREATEST(seq, VALUES(seq))";

impl ApplyBatch for Persist {
    type Event = CommentEvent;

    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<CommentEvent>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let mut tx = self.db.begin().await.map_err(ApplyError::from)?;
            let mut query = QueryBuilder::new(
                "INSERT INTO comments (id, video_id, user_id, content, created_ms, deleted, seq) ",
            );
            query.push_values(batch, |mut row, item| {
                let e = &item.event;
                row.push_bind(e.comment_id)
                    .push_bind(e.video_id)
                    .push_bind(e.user_id)
                    .push_bind(&e.content)
                    .push_bind(e.created_ms)
                    .push_bind(e.deleted)
                    .push_bind(item.seq as i64);
            });
            query.push(UPSERT_TAIL);
            query
                .build()
                .execute(&mut *tx)
                .await
                .map_err(ApplyError::from)?;
            tx.commit().await.map_err(ApplyError::from)
        })
    }
}
