//! The RELATIONS stream → MySQL: multi-row upserts, as many as the batch needs to fit MySQL's
//! statement limits (`mesh::rows`), in one transaction; rows only move forward by stream
//! sequence (the rule of `Versioned::advance`).

use contract::relation::FollowEvent;
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};
use mesh::rows::Upsert;
use sqlx::MySqlPool;

pub struct Persist {
    pub db: MySqlPool,
}

// `seq` is assigned last: MySQL evaluates the assignments left to right.
const UPSERT_TAIL: &str = " ON DUPLICATE KEY UPDATE \
     at_ms = IF(VALUES(seq) > seq, VALUES(at_ms), at_ms), \
     following = IF(VALUES(seq) > seq, VALUES(following), following), \
     seq = GREATEST(seq, VALUES(seq))";

const UPSERT: Upsert = Upsert {
    head: "INSERT INTO follows (follower_id, followee_id, following, seq, at_ms) ",
    tail: UPSERT_TAIL,
    columns: 5,
};

impl ApplyBatch for Persist {
    type Event = FollowEvent;

    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<FollowEvent>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            UPSERT
                .apply_fixed(&self.db, batch, |mut row, item| {
                    let e = &item.event;
                    row.push_bind(e.follower_id)
                        .push_bind(e.followee_id)
                        .push_bind(e.following)
                        .push_bind(item.seq as i64)
                        .push_bind(e.at_ms);
                })
                .await
        })
    }
}
