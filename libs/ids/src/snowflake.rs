//! Snowflake ids: 41 bits of milliseconds since 2024-01-01, 10 bits of node id, 12 bits of
//! sequence. The node id comes from a [`NodeLease`], so two live instances never share one
//! and never mint the same id.

use std::{
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::lease::NodeLease;

/// 2024-01-01T00:00:00Z in Unix milliseconds.
const EPOCH_MS: u64 = 1_704_067_200_000;
const NODE_BITS: u32 = 10;
const SEQ_BITS: u32 = 12;
pub const MAX_NODES: u16 = 1 << NODE_BITS;
const MAX_SEQ: u64 = (1 << SEQ_BITS) - 1;

/// No id can be minted: this instance holds no valid node lease right now.
#[derive(Debug, thiserror::Error)]
#[error("no snowflake node lease is held; ids cannot be minted right now")]
pub struct IdError;

pub struct Snowflake {
    lease: NodeLease,
    /// (last millisecond used, sequence within it)
    clock: Mutex<(u64, u64)>,
}

impl Snowflake {
    pub fn new(lease: NodeLease) -> Self {
        Self {
            lease,
            clock: Mutex::new((0, 0)),
        }
    }

    pub fn lease(&self) -> &NodeLease {
        &self.lease
    }

    /// The next id, or an error while this instance holds no valid node lease.
    pub async fn next_id(&self) -> Result<i64, IdError> {
        loop {
            let node = self.lease.node().ok_or(IdError)?;
            match self.tick() {
                Some((ms, seq)) => return Ok(compose(ms, node, seq)),
                // 4096 ids in this millisecond already: wait for the next one.
                None => tokio::time::sleep(Duration::from_micros(200)).await,
            }
        }
    }

    /// Never goes back in time: a clock step backwards keeps using the last millisecond.
    fn tick(&self) -> Option<(u64, u64)> {
        let now = now_ms();
        let mut clock = self
            .clock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (last, seq) = *clock;
        let next = if now > last {
            (now, 0)
        } else if seq < MAX_SEQ {
            (last, seq + 1)
        } else {
            return None;
        };
        *clock = next;
        Some(next)
    }
}

fn now_ms() -> u64 {
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since_unix.as_millis() as u64).saturating_sub(EPOCH_MS)
}

fn compose(ms: u64, node: u16, seq: u64) -> i64 {
    ((ms << (NODE_BITS + SEQ_BITS)) | (u64::from(node) << SEQ_BITS) | seq) as i64
}

/// The node id an id was minted by (for tests and debugging).
pub fn node_of(id: i64) -> u16 {
    ((id as u64 >> SEQ_BITS) & u64::from(MAX_NODES - 1)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_node_and_grow_with_time() {
        let a = compose(1_000, 7, 0);
        let b = compose(1_000, 7, 1);
        let c = compose(1_001, 0, 0);
        assert_eq!(node_of(a), 7);
        assert!(a < b && b < c);
        assert!(
            compose(now_ms(), MAX_NODES - 1, MAX_SEQ) > 0,
            "fits in a positive i64"
        );
    }
}
