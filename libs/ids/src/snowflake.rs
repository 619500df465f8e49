//! Snowflake ids in 53 bits, so every JSON client (JavaScript's `JSON.parse`, jq 1.6, which
//! read numbers as doubles) gets them exactly: 41 bits of milliseconds since 2024-01-01 (until
//! 2093), 7 bits of node id (128 live instances), 5 bits of sequence (32 ids per millisecond
//! per instance). The node id comes from a [`NodeLease`], so two live instances never share
//! one and never mint the same id.

use std::{
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::lease::NodeLease;

/// 2024-01-01T00:00:00Z in Unix milliseconds.
const EPOCH_MS: u64 = 1_704_067_200_000;
const TIME_BITS: u32 = 41;
const NODE_BITS: u32 = 7;
const SEQ_BITS: u32 = 5;
pub const MAX_NODES: u16 = 1 << NODE_BITS;
const MAX_SEQ: u64 = (1 << SEQ_BITS) - 1;
/// The largest id the layout can hold: 2^53 − 1, the largest integer a double holds exactly.
pub const MAX_ID: i64 = (1 << (TIME_BITS + NODE_BITS + SEQ_BITS)) - 1;

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
                // 32 ids in this millisecond already: wait for the next one.
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

    /// Unix milliseconds, read independently of the code under test.
    fn unix_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_millis() as u64
    }

    /// A generator holding a real node lease in the shared test Redis
    /// (`GOPHERTOK_TEST_REDIS_URL`), under a prefix of its own.
    async fn leased_generator() -> Snowflake {
        use fred::prelude::{ClientLike, Config};
        let url = std::env::var("GOPHERTOK_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let config = Config::from_url(&url).expect("GOPHERTOK_TEST_REDIS_URL is a Redis URL");
        let redis = fred::types::Builder::from_config(config)
            .build()
            .expect("a Redis client");
        redis.init().await.expect("the test Redis is reachable");
        let prefix = format!("gt_test_snowflake_{:016x}:", rand::random::<u64>());
        let lease = NodeLease::acquire(redis, &prefix, Duration::from_secs(30))
            .await
            .expect("a free node id");
        Snowflake::new(lease)
    }

    #[test]
    fn ids_carry_their_node_and_grow_with_time() {
        let a = compose(1_000, 7, 0);
        let b = compose(1_000, 7, 1);
        let c = compose(1_001, 0, 0);
        assert_eq!(node_of(a), 7);
        assert!(a < b && b < c);
    }

    #[test]
    fn every_id_fits_in_53_bits_and_survives_a_json_double() {
        let last_ms = (1 << TIME_BITS) - 1;
        assert_eq!(compose(last_ms, MAX_NODES - 1, MAX_SEQ), MAX_ID);
        assert_eq!(MAX_ID, (1_i64 << 53) - 1);
        assert!(compose(now_ms(), MAX_NODES - 1, MAX_SEQ) <= MAX_ID);
        for id in [
            compose(now_ms(), MAX_NODES - 1, MAX_SEQ),
            compose(now_ms(), 0, 1),
            MAX_ID,
        ] {
            // What a JavaScript client does: every JSON number becomes a double.
            let json = serde_json::to_string(&serde_json::json!({ "id": id })).expect("JSON");
            let read: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            let as_double = read["id"].as_f64().expect("a number");
            assert_eq!(as_double as i64, id, "{id} read through a double");
        }
    }

    #[tokio::test]
    async fn minted_ids_are_unique_increasing_and_carry_the_node_and_the_time() {
        let ids = leased_generator().await;
        let node = ids.lease().node().expect("the lease is held");
        let before = unix_ms();
        // 10,000 ids take a few milliseconds: many share one, so the sequence does the work.
        let minted = tokio::time::timeout(Duration::from_secs(10), async {
            let mut minted = Vec::with_capacity(10_000);
            for _ in 0..10_000 {
                minted.push(ids.next_id().await.expect("an id while the lease is held"));
            }
            minted
        })
        .await
        .expect("10,000 ids are minted within 10 s");
        let after = unix_ms();
        assert!(
            minted.windows(2).all(|pair| pair[0] < pair[1]),
            "ids strictly increase, so none repeats"
        );
        assert!(
            minted.iter().all(|id| node_of(*id) == node),
            "every id names node {node}"
        );
        for id in [minted[0], minted[minted.len() - 1]] {
            // The top 41 bits: milliseconds since 2024-01-01T00:00:00Z.
            let minted_at = ((id as u64) >> 12) + 1_704_067_200_000;
            assert!(
                (before..=after).contains(&minted_at),
                "id {id} says {minted_at}, minted between {before} and {after}"
            );
        }
        ids.lease().release().await;
    }

    #[tokio::test]
    async fn a_millisecond_holds_32_ids_even_after_the_clock_steps_back() {
        let ids = leased_generator().await;
        // The last id came from an hour ahead of now, as if the clock then stepped back; its
        // sequence 0 is used, 31 are left in that millisecond.
        let ahead = now_ms() + 3_600_000;
        *ids.clock.lock().expect("the clock lock") = (ahead, 0);
        let mut ticks = Vec::new();
        while let Some(tick) = ids.tick() {
            ticks.push(tick);
            assert!(ticks.len() <= 32, "more ids than one millisecond holds");
        }
        let expected: Vec<(u64, u64)> = (1..32).map(|seq| (ahead, seq)).collect();
        assert_eq!(
            ticks, expected,
            "the rest of that millisecond, in order, then none"
        );
        ids.lease().release().await;
    }
}
