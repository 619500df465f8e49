//! Request deadlines: a caller stamps the moment it stops waiting (`Gophertok-Deadline`,
//! unix milliseconds) and a worker drops a request whose caller has gone before doing its
//! work. Clocks of the hosts are assumed in sync to well under a request timeout (NTP).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::HeaderMap;

/// Header carrying the caller's deadline, in milliseconds since the unix epoch.
pub const DEADLINE_HEADER: &str = "Gophertok-Deadline";

/// Stamps the deadline `timeout` from now on `headers`.
pub(crate) fn stamp(headers: &mut HeaderMap, timeout: Duration) {
    let deadline = unix_ms().saturating_add(timeout.as_millis() as u64);
    headers.insert(DEADLINE_HEADER, deadline.to_string().as_str());
}

/// True when `headers` carry a deadline that has passed. No (or an unreadable) deadline
/// never expires, so callers that do not stamp one are served as before.
pub(crate) fn passed(headers: Option<&HeaderMap>) -> bool {
    headers
        .and_then(|headers| headers.get(DEADLINE_HEADER))
        .and_then(|value| value.as_str().trim().parse::<u64>().ok())
        .is_some_and(|deadline| deadline <= unix_ms())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamped_deadline_passes_only_after_its_timeout() {
        let mut fresh = HeaderMap::new();
        stamp(&mut fresh, Duration::from_secs(60));
        assert!(!passed(Some(&fresh)));
        let mut gone = HeaderMap::new();
        stamp(&mut gone, Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        assert!(passed(Some(&gone)));
        assert!(!passed(None), "requests without a deadline are served");
    }
}
