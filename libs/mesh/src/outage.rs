//! Which failures of MySQL and Redis mean "the dependency is down" (a 503 the client may retry)
//! rather than a bug (a 500): one classification every worker's error mapping shares.

use contract::ServiceError;
use sqlx::mysql::MySqlDatabaseError;

/// What a client is told while a store is unreachable; the details are logged, not sent.
pub const UNAVAILABLE: &str = "a data store is unavailable right now, try again later";

/// MySQL server errors that say the server cannot serve now, not that the query is wrong:
/// too many connections, shutting down, lock wait timeout, deadlock, connection killed,
/// read-only (a fail-over in progress).
const MYSQL_TRANSIENT: [u16; 6] = [1040, 1053, 1205, 1213, 1927, 1290];

/// A failure of a dependency that may come back by itself.
pub trait Outage {
    fn is_outage(&self) -> bool;
}

impl Outage for sqlx::Error {
    fn is_outage(&self) -> bool {
        match self {
            // No connection within the acquire timeout, the socket failed, or the pool is
            // closing: the server is unreachable or overloaded.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(err) => {
                // SQLSTATE class 08: connection exceptions.
                err.code().is_some_and(|code| code.starts_with("08"))
                    || err
                        .try_downcast_ref::<MySqlDatabaseError>()
                        .is_some_and(|err| MYSQL_TRANSIENT.contains(&err.number()))
            }
            _ => false,
        }
    }
}

impl Outage for fred::error::Error {
    fn is_outage(&self) -> bool {
        use fred::error::ErrorKind;
        matches!(
            self.kind(),
            // Connection lost or refused, no answer within the command timeout, the command
            // dropped while reconnecting, or no node of a cluster to send it to.
            ErrorKind::IO
                | ErrorKind::Timeout
                | ErrorKind::Canceled
                | ErrorKind::Backpressure
                | ErrorKind::Routing
                | ErrorKind::Cluster
        )
    }
}

/// The answer for a failed store call: 503 when the store is down, else an internal error
/// (the edge keeps its message from the client).
pub fn store_error(err: &(impl Outage + std::fmt::Display)) -> ServiceError {
    if err.is_outage() {
        tracing::warn!(error = %err, "data store unavailable");
        ServiceError::unavailable(UNAVAILABLE)
    } else {
        ServiceError::internal(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use contract::ErrorKind;

    use super::*;

    #[test]
    fn unreachable_stores_are_unavailable_and_wrong_queries_are_internal() {
        let refused = sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(store_error(&refused).kind, ErrorKind::Unavailable);
        assert_eq!(
            store_error(&sqlx::Error::PoolTimedOut).kind,
            ErrorKind::Unavailable
        );
        let bug = sqlx::Error::ColumnNotFound("likes".into());
        assert_eq!(store_error(&bug).kind, ErrorKind::Internal);

        use fred::error::{Error, ErrorKind as Redis};
        let timeout = Error::new(Redis::Timeout, "Request timed out.");
        assert_eq!(store_error(&timeout).kind, ErrorKind::Unavailable);
        let wrong_type = Error::new(Redis::InvalidArgument, "WRONGTYPE");
        assert_eq!(store_error(&wrong_type).kind, ErrorKind::Internal);
    }
}
