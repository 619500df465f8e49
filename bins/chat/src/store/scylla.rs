//! The ScyllaDB chat store: one partition per conversation, clustered by time then id, so
//! the one-second poll reads one partition from a time on; `latest` keeps each
//! conversation's newest message, written with the message's time as its write timestamp so
//! the newest wins whatever the arrival order. Statements are prepared once.

use contract::chat::MessageInfo;
use futures::future::BoxFuture;
use scylla::{
    client::{session::Session, session_builder::SessionBuilder},
    statement::{
        batch::{Batch, BatchType},
        prepared::PreparedStatement,
    },
    value::{CqlValue, Row},
};
use settings::ScyllaSettings;

use super::{
    ChatStore, StoreError, StoreResult, conversation_key,
    scylla_order::{self, ATTEMPTS, next_time},
};

/// The schema file, with `{keyspace}` and `{replication}` to fill in.
pub const SCHEMA: &str = include_str!("../../../../sql/scylla/schema.cql");

/// One row of `messages` or `latest`, in the column order of the SELECTs below.
pub type MessageRow = (i64, i64, i64, i64, String);

pub struct ScyllaStore {
    session: Session,
    /// The conversation's `last_ms`, read at SERIAL.
    select_last: PreparedStatement,
    /// The claim of the message's time (UPDATE … IF) and the message: one conditional batch
    /// on one partition, both or neither.
    claim: Batch,
    /// The conversation's `latest` row, written once the message is in.
    insert_latest: PreparedStatement,
    select_after: PreparedStatement,
    select_latest: PreparedStatement,
}

/// The schema statements for `keyspace` with `replication`, in order.
pub fn schema_statements(keyspace: &str, replication: &str) -> Vec<String> {
    let without_comments: String = SCHEMA
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split(';')
        .map(str::trim)
        .filter(|statement| !statement.is_empty())
        .map(|statement| {
            statement
                .replace("{keyspace}", keyspace)
                .replace("{replication}", replication)
        })
        .collect()
}

/// The statements the store prepares, for `keyspace`.
pub fn statements(keyspace: &str) -> [String; 4] {
    [
        format!(
            "INSERT INTO {keyspace}.messages (conversation, created_ms, id, from_id, to_id, content) \
             VALUES (?, ?, ?, ?, ?, ?)"
        ),
        format!(
            "INSERT INTO {keyspace}.latest (conversation, id, created_ms, from_id, to_id, content) \
             VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?"
        ),
        format!(
            "SELECT id, created_ms, from_id, to_id, content FROM {keyspace}.messages \
             WHERE conversation = ? AND created_ms > ? LIMIT ?"
        ),
        format!(
            "SELECT id, created_ms, from_id, to_id, content FROM {keyspace}.latest WHERE conversation = ?"
        ),
    ]
}

/// A row of the SELECTs as a message.
pub fn to_message(row: MessageRow) -> MessageInfo {
    let (id, create_time, from_id, to_id, content) = row;
    MessageInfo {
        id,
        from_id,
        to_id,
        content,
        create_time,
    }
}

/// The write timestamp (µs) of a message's `latest` row: its time, ties broken by id, so
/// ScyllaDB's last-write-wins keeps the newest message.
pub fn write_timestamp(message: &MessageInfo) -> i64 {
    message.create_time * 1_000 + message.id.rem_euclid(1_000)
}

impl ScyllaStore {
    /// Connects, creates the keyspace and tables when missing, prepares the statements.
    pub async fn connect(settings: &ScyllaSettings) -> StoreResult<Self> {
        let session = SessionBuilder::new()
            .known_nodes(&settings.nodes)
            .build()
            .await
            .map_err(StoreError::from)?;
        for statement in schema_statements(&settings.keyspace, &settings.replication) {
            session
                .query_unpaged(statement, &[])
                .await
                .map_err(StoreError::from)?;
        }
        upgrade(&session, &settings.keyspace).await?;
        let [insert, insert_latest, select_after, select_latest] = statements(&settings.keyspace);
        let [select_last, claim] = scylla_order::statements(&settings.keyspace);
        let prepare = async |cql: String| session.prepare(cql).await.map_err(StoreError::from);
        let mut select_last = prepare(select_last).await?;
        select_last.set_consistency(scylla_order::SERIAL_READ);
        let mut claim_batch = Batch::new(BatchType::Logged);
        claim_batch.set_serial_consistency(Some(scylla_order::SERIAL));
        claim_batch.append_statement(prepare(claim).await?);
        claim_batch.append_statement(prepare(insert).await?);
        Ok(Self {
            select_last,
            claim: claim_batch,
            insert_latest: prepare(insert_latest).await?,
            select_after: prepare(select_after).await?,
            select_latest: prepare(select_latest).await?,
            session,
        })
    }

    /// The conversation's last message time; `None` before its first (or before `last_ms`
    /// was added to its partition).
    async fn last_ms(&self, key: &str) -> StoreResult<Option<i64>> {
        let result = self
            .session
            .execute_unpaged(&self.select_last, (key,))
            .await
            .map_err(StoreError::from)?;
        let rows = result.into_rows_result().map_err(StoreError::from)?;
        let row = rows
            .maybe_first_row::<(Option<i64>,)>()
            .map_err(StoreError::from)?;
        Ok(row.and_then(|(last,)| last))
    }

    /// Claims `time` for the message (if `last_ms` is still `last`) and writes it, in one
    /// round; whether the claim won.
    async fn claim(
        &self,
        key: &str,
        m: &MessageInfo,
        last: Option<i64>,
        time: i64,
    ) -> StoreResult<bool> {
        let claim = (time, key, last);
        let row = (key, time, m.id, m.from_id, m.to_id, &m.content);
        let result = self
            .session
            .batch(&self.claim, (claim, row))
            .await
            .map_err(StoreError::from)?;
        let rows = result.into_rows_result().map_err(StoreError::from)?;
        let first = rows.maybe_first_row::<Row>().map_err(StoreError::from)?;
        Ok(applied(first))
    }

    async fn rows(
        &self,
        statement: &PreparedStatement,
        values: impl scylla::serialize::row::SerializeRow,
    ) -> StoreResult<Vec<MessageInfo>> {
        let result = self
            .session
            .execute_unpaged(statement, values)
            .await
            .map_err(StoreError::from)?;
        let rows = result.into_rows_result().map_err(StoreError::from)?;
        let typed = rows.rows::<MessageRow>().map_err(StoreError::from)?;
        typed
            .map(|row| row.map(to_message).map_err(StoreError::from))
            .collect()
    }
}

/// Adds the columns later versions need to a keyspace created before them.
async fn upgrade(session: &Session, keyspace: &str) -> StoreResult<()> {
    let alter = scylla_order::upgrade_statement(keyspace);
    match session.query_unpaged(alter, &[]).await {
        Err(err) if !scylla_order::already_added(&err.to_string()) => Err(StoreError::from(err)),
        _ => Ok(()),
    }
}

/// A conditional write's `[applied]` (its first column); a result without it did not apply.
fn applied(row: Option<Row>) -> bool {
    let first = row.and_then(|row| row.columns.into_iter().next().flatten());
    matches!(first, Some(CqlValue::Boolean(true)))
}

impl ChatStore for ScyllaStore {
    fn append<'a>(&'a self, m: &'a MessageInfo) -> BoxFuture<'a, StoreResult<i64>> {
        Box::pin(async move {
            let key = conversation_key(m.from_id, m.to_id);
            for _ in 0..ATTEMPTS {
                // Read each round: a lost claim means another message just took the time.
                let last = self.last_ms(&key).await?;
                let time = next_time(m.create_time, last);
                if !self.claim(&key, m, last, time).await? {
                    continue;
                }
                let stored = MessageInfo {
                    create_time: time,
                    ..m.clone()
                };
                let latest = (
                    &key,
                    m.id,
                    time,
                    m.from_id,
                    m.to_id,
                    &m.content,
                    write_timestamp(&stored),
                );
                self.session
                    .execute_unpaged(&self.insert_latest, latest)
                    .await
                    .map_err(StoreError::from)?;
                return Ok(time);
            }
            Err(StoreError::busy(format!(
                "the conversation is busy: no time claimed in {ATTEMPTS} tries"
            )))
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
            let key = conversation_key(a, b);
            self.rows(&self.select_after, (&key, after_ms, limit as i32))
                .await
        })
    }

    fn latest<'a>(
        &'a self,
        user: i64,
        peers: &'a [i64],
    ) -> BoxFuture<'a, StoreResult<Vec<Option<MessageInfo>>>> {
        Box::pin(async move {
            // One single-partition read per peer, all in flight at once.
            let reads = peers.iter().map(|peer| async move {
                let key = conversation_key(user, *peer);
                Ok::<_, StoreError>(
                    self.rows(&self.select_latest, (key,))
                        .await?
                        .into_iter()
                        .next(),
                )
            });
            futures::future::try_join_all(reads).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_filled_in_and_split_into_statements() {
        let statements = schema_statements(
            "gt_test",
            "{'class': 'SimpleStrategy', 'replication_factor': 3}",
        );
        assert_eq!(statements.len(), 3);
        assert!(statements[0].starts_with("CREATE KEYSPACE IF NOT EXISTS gt_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"));
        assert!(statements[1].contains("gt_test.messages"));
        assert!(statements[1].contains("PRIMARY KEY ((conversation), created_ms, id)"));
        assert!(statements[2].contains("gt_test.latest"));
        assert!(
            statements
                .iter()
                .all(|s| !s.contains('{') || s.contains("replication"))
        );
    }

    #[test]
    fn the_poll_reads_one_partition_from_a_time_on() {
        let [insert, latest, after, select_latest] = statements("ks");
        assert!(after.contains("WHERE conversation = ? AND created_ms > ? LIMIT ?"));
        assert!(select_latest.ends_with("WHERE conversation = ?"));
        assert_eq!(insert.matches('?').count(), 6);
        assert!(latest.ends_with("USING TIMESTAMP ?"));
    }

    #[test]
    fn only_an_applied_claim_counts() {
        let row = |value: Option<CqlValue>| {
            Some(Row {
                columns: vec![value, Some(CqlValue::BigInt(5))],
            })
        };
        assert!(applied(row(Some(CqlValue::Boolean(true)))));
        assert!(!applied(row(Some(CqlValue::Boolean(false)))));
        assert!(!applied(row(None)));
        assert!(!applied(None));
    }

    #[test]
    fn rows_map_to_messages_and_newer_messages_win_latest() {
        let message = to_message((42, 1_700_000_000_000, 1, 2, "hi".into()));
        assert_eq!(
            (
                message.id,
                message.create_time,
                message.from_id,
                message.to_id
            ),
            (42, 1_700_000_000_000, 1, 2)
        );
        let newer = MessageInfo {
            create_time: message.create_time + 1,
            ..message.clone()
        };
        assert!(write_timestamp(&newer) > write_timestamp(&message));
    }
}
