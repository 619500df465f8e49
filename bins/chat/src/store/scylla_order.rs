//! Commit order = time order per conversation in ScyllaDB, as the MySQL store has it under
//! its row lock: a message's time is `max(its clock time, the conversation's last + 1)`,
//! claimed by a lightweight transaction that writes the message in the same Paxos round. The
//! conversation's last time is a static column of its `messages` partition (`last_ms`), so
//! the condition and the message are one partition and one conditional batch: both or
//! neither, and no later round on the partition can commit before this one. A lost race
//! reads the winner's time and tries again after it.
//!
//! Consistency: the condition is checked at SERIAL (Paxos across every data centre) and the
//! re-read of `last_ms` after a lost race is a SERIAL read, so two instances in different
//! data centres cannot claim one time, and a message's time is after every message
//! committed before it anywhere. LOCAL_SERIAL would let two data centres interleave. The
//! poll reads at the session's QUORUM-level default: a quorum read that sees a Paxos round
//! sees every earlier round on the partition too, so "after the newest time seen" misses
//! nothing.

use scylla::statement::{Consistency, SerialConsistency};

/// Rounds one append tries before it answers "busy" (503): each lost round means another
/// message of the conversation just committed, so this many in a row is a hot conversation
/// the client should retry later, not a reason to spin.
pub const ATTEMPTS: usize = 8;

pub const SERIAL: SerialConsistency = SerialConsistency::Serial;

/// A read of `last_ms` that sees every committed round (it completes one in flight).
pub const SERIAL_READ: Consistency = Consistency::Serial;

/// The time a message gets: its own clock time, unless the conversation's last message is
/// at or after it — then the millisecond after, so times rise in commit order even when this
/// instance's clock is behind another's.
pub fn next_time(now_ms: i64, last_ms: Option<i64>) -> i64 {
    match last_ms {
        Some(last) => now_ms.max(last.saturating_add(1)),
        None => now_ms,
    }
}

/// The conversation's last time (SELECT) and the conditional claim of the next one (UPDATE
/// … IF, batched with the message's INSERT), for `keyspace`.
pub fn statements(keyspace: &str) -> [String; 2] {
    [
        format!("SELECT last_ms FROM {keyspace}.messages WHERE conversation = ? LIMIT 1"),
        // `IF last_ms = null` applies to a conversation with no messages yet too.
        format!("UPDATE {keyspace}.messages SET last_ms = ? WHERE conversation = ? IF last_ms = ?"),
    ]
}

/// Adds `last_ms` to a `messages` table created before it existed; ScyllaDB has no
/// `ADD IF NOT EXISTS`, so "already there" is expected and ignored by the caller.
pub fn upgrade_statement(keyspace: &str) -> String {
    format!("ALTER TABLE {keyspace}.messages ADD last_ms bigint static")
}

/// Whether an ALTER's error says the column is already there (an upgraded keyspace).
pub fn already_added(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    error.contains("already exist") || error.contains("conflicts with an existing column")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_after_the_last_one_whatever_its_clock_says() {
        assert_eq!(next_time(1_000, None), 1_000, "first message: its own time");
        assert_eq!(
            next_time(1_000, Some(500)),
            1_000,
            "clock ahead: its own time"
        );
        assert_eq!(
            next_time(1_000, Some(1_000)),
            1_001,
            "same millisecond: the next"
        );
        assert_eq!(
            next_time(1_000, Some(5_000)),
            5_001,
            "clock behind: after the last"
        );
        assert_eq!(next_time(1, Some(i64::MAX)), i64::MAX, "no overflow");
    }

    #[test]
    fn the_claim_is_on_the_messages_partition() {
        let [select, claim] = statements("ks");
        assert!(select.ends_with("FROM ks.messages WHERE conversation = ? LIMIT 1"));
        assert!(claim.starts_with("UPDATE ks.messages SET last_ms = ?"));
        assert!(claim.ends_with("WHERE conversation = ? IF last_ms = ?"));
    }

    #[test]
    fn an_upgraded_table_is_recognised() {
        assert_eq!(
            upgrade_statement("ks"),
            "ALTER TABLE ks.messages ADD last_ms bigint static"
        );
        assert!(already_added(
            "Invalid query: Cannot add column last_ms: it already exists"
        ));
        assert!(already_added(
            "Invalid: Column last_ms conflicts with an existing column"
        ));
        assert!(!already_added("Unavailable: cannot achieve consistency"));
    }
}
