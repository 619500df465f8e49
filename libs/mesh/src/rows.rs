//! Multi-row upserts of a whole batch, cut into statements MySQL can accept: at most 65,535
//! placeholders each (error 1390 otherwise) and an estimated size well under the server's
//! packet limit (error 1153), all in one transaction so the batch still lands at once.

use sqlx::{MySql, MySqlPool, QueryBuilder, query_builder::Separated};

use crate::batch::ApplyError;

/// MySQL's limit on the placeholders of one prepared statement.
pub const MAX_PLACEHOLDERS: usize = 65_535;

/// Estimated bytes per statement: under 1 MiB, the smallest `max_allowed_packet` default of
/// any MySQL or MariaDB release, so no server setting needs reading; a statement this big
/// already amortises its round trip.
pub const MAX_STATEMENT_BYTES: usize = 1_000_000;

/// Fixed cost of one bound value in the statement and its packet (the `?, ` in the SQL, the
/// type code, an 8-byte number) — generous, so the estimate errs on the small side.
const BYTES_PER_VALUE: usize = 16;

/// One multi-row upsert: `head` names the table and columns (`INSERT INTO t (a, b) `),
/// `tail` follows the values (`ON DUPLICATE KEY UPDATE …`).
pub struct Upsert<'s> {
    pub head: &'s str,
    pub tail: &'s str,
    pub columns: usize,
}

/// Cuts `rows` into runs that each fit one statement: `len × columns ≤ MAX_PLACEHOLDERS`
/// and estimated bytes (`size` is a row's variable-length data, e.g. its text) ≤ `budget`.
/// A row bigger than the budget on its own still gets a statement of its own.
pub fn chunks<T>(
    rows: &[T],
    columns: usize,
    budget: usize,
    size: impl Fn(&T) -> usize,
) -> Vec<&[T]> {
    let max_rows = (MAX_PLACEHOLDERS / columns.max(1)).max(1);
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let row_bytes = size(row) + columns * BYTES_PER_VALUE;
        if i > start && (i - start == max_rows || bytes + row_bytes > budget) {
            out.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += row_bytes;
    }
    if start < rows.len() {
        out.push(&rows[start..]);
    }
    out
}

impl Upsert<'_> {
    /// Upserts every row in one transaction, one statement per [`chunks`] run; `push` binds
    /// one row's columns in order.
    pub async fn apply<'a, T, S, F>(
        &self,
        db: &MySqlPool,
        rows: &'a [T],
        size: S,
        mut push: F,
    ) -> Result<(), ApplyError>
    where
        T: Sync,
        S: Fn(&T) -> usize,
        F: FnMut(Separated<'_, 'a, MySql, &'static str>, &'a T),
    {
        let mut tx = db.begin().await?;
        for chunk in chunks(rows, self.columns, MAX_STATEMENT_BYTES, size) {
            let mut query = QueryBuilder::<MySql>::new(self.head);
            query.push_values(chunk, &mut push);
            query.push(self.tail);
            query.build().execute(&mut *tx).await?;
        }
        Ok(tx.commit().await?)
    }

    /// [`Upsert::apply`] for rows of numbers only: no variable-length column, so the
    /// placeholders alone bound a statement.
    pub async fn apply_fixed<'a, T, F>(
        &self,
        db: &MySqlPool,
        rows: &'a [T],
        push: F,
    ) -> Result<(), ApplyError>
    where
        T: Sync,
        F: FnMut(Separated<'_, 'a, MySql, &'static str>, &'a T),
    {
        self.apply(db, rows, |_| 0, push).await
    }
}
