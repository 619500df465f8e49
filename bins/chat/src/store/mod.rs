//! Chat history behind one trait, [`ChatStore`], with two implementations that pass one
//! test suite: ScyllaDB (partition per conversation) and MySQL (the embedded default).

mod mysql;
pub mod scylla;
pub mod scylla_order;

use contract::chat::MessageInfo;
use futures::future::BoxFuture;

pub use mysql::MysqlStore;
pub use scylla::ScyllaStore;

#[derive(Debug, thiserror::Error)]
#[error("chat store: {message}")]
pub struct StoreError {
    message: String,
    /// The store was unreachable (a 503 the client may retry), not wrong.
    outage: bool,
    /// Will fail the same way every time (bad data, a violated constraint).
    permanent: bool,
}

impl StoreError {
    pub fn from(err: impl std::fmt::Display) -> Self {
        Self {
            message: err.to_string(),
            outage: false,
            permanent: false,
        }
    }

    /// The store is up but the write lost too many races in a row: a 503 to retry soon.
    pub fn busy(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            outage: true,
            permanent: false,
        }
    }

    /// A MySQL failure, remembering whether MySQL was down.
    pub fn mysql(err: sqlx::Error) -> Self {
        let outage = mesh::outage::Outage::is_outage(&err);
        let message = err.to_string();
        // The persisters' rule for what a retry cannot fix (SQLSTATE classes 22 and 23, …).
        let permanent = matches!(
            mesh::batch::ApplyError::from(err),
            mesh::batch::ApplyError::Permanent(_)
        );
        Self {
            message,
            outage,
            permanent,
        }
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl mesh::outage::Outage for StoreError {
    fn is_outage(&self) -> bool {
        self.outage
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// How many messages of a conversation [`ChatStore::stored_time`]'s default reads: more than
/// a conversation receives between a deferred send and its storing, in any plausible outage.
pub const STORED_SCAN: u32 = 10_000;

pub trait ChatStore: Send + Sync {
    /// Stores `message` in its conversation and as the conversation's latest message, and
    /// returns the time it was stored under: `max(message.create_time, latest + 1)`, taken
    /// under the conversation's lock. So times in a conversation rise in commit order, even
    /// across instances with skewed clocks, and a poll "strictly after the newest time seen"
    /// can never miss a message committed after that poll.
    fn append<'a>(&'a self, message: &'a MessageInfo) -> BoxFuture<'a, StoreResult<i64>>;

    /// The time `message` (by id) was stored under, `None` if it is not stored: what the
    /// consumer of deferred messages asks before it appends one. This default reads the
    /// conversation from the message's send time on (a stored time is never earlier) and
    /// looks for the id among at most [`STORED_SCAN`] messages.
    fn stored_time<'a>(
        &'a self,
        message: &'a MessageInfo,
    ) -> BoxFuture<'a, StoreResult<Option<i64>>> {
        Box::pin(async move {
            let (a, b) = (message.from_id, message.to_id);
            let since = self
                .after(a, b, message.create_time - 1, STORED_SCAN)
                .await?;
            Ok(since
                .iter()
                .find(|m| m.id == message.id)
                .map(|m| m.create_time))
        })
    }

    /// The conversation of `a` and `b`, both directions, oldest first, created strictly after
    /// `after_ms`, at most `limit` messages — one range read, however long the history.
    fn after<'a>(
        &'a self,
        a: i64,
        b: i64,
        after_ms: i64,
        limit: u32,
    ) -> BoxFuture<'a, StoreResult<Vec<MessageInfo>>>;

    /// The latest message between `user` and each of `peers` (in the same order), without
    /// reading histories.
    fn latest<'a>(
        &'a self,
        user: i64,
        peers: &'a [i64],
    ) -> BoxFuture<'a, StoreResult<Vec<Option<MessageInfo>>>>;
}

/// The two users of a conversation, lower id first: the same key from both sides.
pub fn conversation(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

/// The conversation as one text key (ScyllaDB's partition key).
pub fn conversation_key(a: i64, b: i64) -> String {
    let (lo, hi) = conversation(a, b);
    format!("{lo}:{hi}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_of_a_conversation_share_one_key() {
        assert_eq!(conversation(7, 3), (3, 7));
        assert_eq!(conversation_key(7, 3), conversation_key(3, 7));
        assert_eq!(conversation_key(3, 7), "3:7");
    }
}
