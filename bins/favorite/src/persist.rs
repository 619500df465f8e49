//! The FAVORITES stream → MySQL: multi-row upserts, as many as the batch needs to fit MySQL's
//! statement limits (`mesh::rows`), in one transaction. Each row only moves forward (a newer
//! stream sequence), so a batch applied twice, or messages redelivered in any order, leave
//! the table as the latest events say.

use contract::favorite::FavoriteEvent;
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};
use mesh::rows::Upsert;
use sqlx::MySqlPool;

pub struct Persist {
    pub db: MySqlPool,
}

// `seq` is assigned last on purpose: MySQL evaluates the assignments left to right, each
// seeing the values already assigned. Same rule as `PairState::advance`.
const UPSERT_TAIL: &str = " ON DUPLICATE KEY UPDATE \
     liked_ms = IF(VALUES(seq) > seq, VALUES(liked_ms), liked_ms), \
     liked = IF(VALUES(seq) > seq, VALUES(liked), liked), \
     seq = GREATEST(seq, VALUES(seq))";

const UPSERT: Upsert = Upsert {
    head: "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) ",
    tail: UPSERT_TAIL,
    columns: 6,
};

impl ApplyBatch for Persist {
    type Event = FavoriteEvent;

    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<FavoriteEvent>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            UPSERT
                .apply_fixed(&self.db, batch, |mut row, item| {
                    let e = &item.event;
                    row.push_bind(e.user_id)
                        .push_bind(e.video_id)
                        .push_bind(e.author_id)
                        .push_bind(e.liked)
                        .push_bind(item.seq as i64)
                        .push_bind(e.at_ms);
                })
                .await
        })
    }
}
