//! The RELATIONS stream → MySQL: one multi-row upsert per batch, in one transaction; rows
//! only move forward by stream sequence (the rule of `Versioned::advance`).

use contract::relation::FollowEvent;
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};
use sqlx::{MySqlPool, QueryBuilder};

pub struct Persist {
    pub db: MySqlPool,
}

// `seq` is assigned last: MySQL evaluates the assignments left to right.
const UPSERT_TAIL: &str = " ON DUPLICATE KEY UPDATE \
     at_ms = IF(VALUES(seq) > seq, VALUES(at_ms), at_ms), \
     following = IF(VALUES(seq) > seq, VALUES(following), following), \
     seq = GREATEST(seq, VALUES(seq))";

impl ApplyBatch for Persist {
    type Event = FollowEvent;

    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<FollowEvent>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let mut tx = self.db.begin().await.map_err(ApplyError::from)?;
            let mut query = QueryBuilder::new(
                "INSERT INTO follows (follower_id, followee_id, following, seq, at_ms) ",
            );
            query.push_values(batch, |mut row, item| {
                let e = &item.event;
                row.push_bind(e.follower_id)
                    .push_bind(e.followee_id)
                    .push_bind(e.following)
                    .push_bind(item.seq as i64)
                    .push_bind(e.at_ms);
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
