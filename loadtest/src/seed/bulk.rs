//! Bulk inserts: multi-row INSERT statements grouped into large transactions, a few
//! transactions in flight at once, so a million rows take seconds rather than a round trip
//! each.

use futures::{StreamExt, TryStreamExt};
use sqlx::{MySql, MySqlPool, QueryBuilder, query_builder::Separated};

/// Rows per INSERT: MySQL allows 65,535 placeholders per statement; 2,000 rows of up to
/// seven columns stay well under it.
const ROWS_PER_STATEMENT: usize = 2_000;
/// Statements per transaction: large enough to amortise the commit (one fsync), small
/// enough that a failure redoes little and the undo log stays modest.
const STATEMENTS_PER_TRANSACTION: usize = 20;

/// Where bulk inserts go, and how many transactions run at once.
#[derive(Clone, Copy)]
pub struct Loader<'a> {
    pub db: &'a MySqlPool,
    pub in_flight: usize,
}

impl Loader<'_> {
    /// Inserts `rows` with `head` (e.g. `INSERT INTO t (a, b) `), binding each row's columns
    /// with `push`, and reports the time it took as `<count> <what>`.
    pub async fn insert<T, F>(
        &self,
        what: &str,
        head: &str,
        rows: &[T],
        push: F,
    ) -> anyhow::Result<()>
    where
        T: Sync,
        F: for<'q> Fn(&mut Separated<'q, 'static, MySql, &'static str>, &T) + Sync,
    {
        let started = std::time::Instant::now();
        insert(self.db, head, rows, self.in_flight, &push).await?;
        super::phase(&format!("{} {what}", rows.len()), started);
        Ok(())
    }
}

async fn insert<T, F>(
    db: &MySqlPool,
    head: &str,
    rows: &[T],
    in_flight: usize,
    push: &F,
) -> anyhow::Result<()>
where
    T: Sync,
    F: for<'q> Fn(&mut Separated<'q, 'static, MySql, &'static str>, &T) + Sync,
{
    futures::stream::iter(rows.chunks(ROWS_PER_STATEMENT * STATEMENTS_PER_TRANSACTION))
        .map(|group| async move {
            let mut tx = db.begin().await?;
            for chunk in group.chunks(ROWS_PER_STATEMENT) {
                let mut query = QueryBuilder::<MySql>::new(head);
                query.push_values(chunk, |mut row, item| push(&mut row, item));
                query.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            anyhow::Ok(())
        })
        .buffer_unordered(in_flight.max(1))
        .try_collect::<()>()
        .await
}
