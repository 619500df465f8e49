//! The MySQL chat store: `messages` clustered by (conversation, time, id) so a poll is a
//! primary-key range read, and `conversations` with each conversation's latest message.

use contract::chat::MessageInfo;
use futures::future::BoxFuture;
use sqlx::{
    MySql, MySqlPool, QueryBuilder, Row,
    mysql::{MySqlArguments, MySqlRow},
    query::Query,
};

use super::{ChatStore, StoreError, StoreResult, conversation};

pub struct MysqlStore {
    pub db: MySqlPool,
}

// Creates the conversation or locks its row (held to commit, so senders to one conversation
// take turns) and moves its latest to this message, at a time after the previous latest.
// MySQL evaluates assignments left to right: last_ms is raised first, so later reads of it
// are the new time.
const LOCK_AND_RAISE: &str = "INSERT INTO conversations \
     (user_lo, user_hi, last_ms, last_id, from_id, to_id, content) VALUES (?, ?, ?, ?, ?, ?, ?) \
     ON DUPLICATE KEY UPDATE last_ms = GREATEST(VALUES(last_ms), last_ms + 1), \
     last_id = VALUES(last_id), from_id = VALUES(from_id), to_id = VALUES(to_id), \
     content = VALUES(content)";

/// One statement taking a message's columns in the order both tables list them.
fn with_row<'q>(
    sql: &'q str,
    (lo, hi): (i64, i64),
    ms: i64,
    m: &'q MessageInfo,
) -> Query<'q, MySql, MySqlArguments> {
    sqlx::query(sql)
        .bind(lo)
        .bind(hi)
        .bind(ms)
        .bind(m.id)
        .bind(m.from_id)
        .bind(m.to_id)
        .bind(&m.content)
}

fn message(row: &MySqlRow, prefix: &str) -> Result<MessageInfo, sqlx::Error> {
    Ok(MessageInfo {
        id: row.try_get(format!("{prefix}id").as_str())?,
        from_id: row.try_get("from_id")?,
        to_id: row.try_get("to_id")?,
        content: row.try_get("content")?,
        create_time: row.try_get(format!("{prefix}ms").as_str())?,
    })
}

/// MySQL's "duplicate entry" (1062): here, a message id stored before.
fn is_duplicate(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|db| db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|my| my.number() == 1062)
}

impl ChatStore for MysqlStore {
    fn append<'a>(&'a self, m: &'a MessageInfo) -> BoxFuture<'a, StoreResult<i64>> {
        Box::pin(async move {
            let (lo, hi) = conversation(m.from_id, m.to_id);
            let mut tx = self.db.begin().await.map_err(StoreError::mysql)?;
            with_row(LOCK_AND_RAISE, (lo, hi), m.create_time, m)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::mysql)?;
            // Our own locked row: the time just assigned.
            let created_ms: i64 = sqlx::query_scalar(
                "SELECT last_ms FROM conversations WHERE user_lo = ? AND user_hi = ?",
            )
            .bind(lo)
            .bind(hi)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::mysql)?;
            let inserted = with_row(
                "INSERT INTO messages (user_lo, user_hi, created_ms, id, from_id, to_id, content) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                (lo, hi),
                created_ms,
                m,
            )
            .execute(&mut *tx)
            .await;
            match inserted {
                // Stored before (a send whose commit's answer was lost, then its deferred
                // copy): the raise is rolled back with this transaction, the first stays.
                Err(err) if is_duplicate(&err) => {
                    drop(tx);
                    let stored = self.stored_time(m).await?;
                    return stored.ok_or_else(|| StoreError::mysql(err));
                }
                inserted => inserted.map_err(StoreError::mysql)?,
            };
            tx.commit().await.map_err(StoreError::mysql)?;
            Ok(created_ms)
        })
    }

    fn stored_time<'a>(&'a self, m: &'a MessageInfo) -> BoxFuture<'a, StoreResult<Option<i64>>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT created_ms FROM messages WHERE id = ?")
                .bind(m.id)
                .fetch_optional(&self.db)
                .await
                .map_err(StoreError::mysql)
        })
    }

    fn after<'a>(
        &'a self,
        a: i64,
        b: i64,
        after_ms: i64,
        limit: u32,
    ) -> BoxFuture<'a, StoreResult<Vec<MessageInfo>>> {
        Box::pin(async move {
            let (lo, hi) = conversation(a, b);
            let rows = sqlx::query(
                "SELECT id, created_ms AS ms, from_id, to_id, content FROM messages \
                 WHERE user_lo = ? AND user_hi = ? AND created_ms > ? \
                 ORDER BY created_ms, id LIMIT ?",
            )
            .bind(lo)
            .bind(hi)
            .bind(after_ms)
            .bind(limit)
            .fetch_all(&self.db)
            .await
            .map_err(StoreError::mysql)?;
            rows.iter()
                .map(|row| message(row, ""))
                .collect::<Result<_, _>>()
                .map_err(StoreError::mysql)
        })
    }

    fn latest<'a>(
        &'a self,
        user: i64,
        peers: &'a [i64],
    ) -> BoxFuture<'a, StoreResult<Vec<Option<MessageInfo>>>> {
        Box::pin(async move {
            if peers.is_empty() {
                return Ok(Vec::new());
            }
            let mut query = QueryBuilder::new(
                "SELECT user_lo, user_hi, last_id, last_ms, from_id, to_id, content FROM conversations \
                 WHERE (user_lo, user_hi) IN (",
            );
            let mut list = query.separated(", ");
            for peer in peers {
                let (lo, hi) = conversation(user, *peer);
                list.push(format!("({lo}, {hi})"));
            }
            query.push(")");
            let rows = query
                .build()
                .fetch_all(&self.db)
                .await
                .map_err(StoreError::mysql)?;
            let mut found = std::collections::HashMap::new();
            for row in &rows {
                let key: (i64, i64) = (
                    row.try_get("user_lo").map_err(StoreError::mysql)?,
                    row.try_get("user_hi").map_err(StoreError::mysql)?,
                );
                found.insert(key, message(row, "last_").map_err(StoreError::mysql)?);
            }
            Ok(peers
                .iter()
                .map(|peer| found.remove(&conversation(user, *peer)))
                .collect())
        })
    }
}
