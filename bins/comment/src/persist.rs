//! The COMMENTS stream → MySQL: multi-row upserts, as many as the batch needs to fit MySQL's
//! statement limits (`mesh::rows`), in one transaction. A row only moves forward (a newer
//! stream sequence), so replays and out-of-order redelivery leave the table as the latest
//! events say; deletes are tombstones.

use contract::comment::CommentEvent;
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};
use mesh::rows::Upsert;
use sqlx::MySqlPool;

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

const UPSERT: Upsert = Upsert {
    head: "INSERT INTO comments (id, video_id, user_id, content, created_ms, deleted, seq) ",
    tail: UPSERT_TAIL,
    columns: 7,
};

impl ApplyBatch for Persist {
    type Event = CommentEvent;

    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<CommentEvent>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            UPSERT
                .apply(
                    &self.db,
                    batch,
                    |item| item.event.content.len(),
                    |mut row, item| {
                        let e = &item.event;
                        row.push_bind(e.comment_id)
                            .push_bind(e.video_id)
                            .push_bind(e.user_id)
                            .push_bind(&e.content)
                            .push_bind(e.created_ms)
                            .push_bind(e.deleted)
                            .push_bind(item.seq as i64);
                    },
                )
                .await
        })
    }
}
