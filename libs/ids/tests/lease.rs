//! Node leases against the real Redis, with a short lease: renewed while the holder lives (no
//! second leaser can take its node), replaced by another node when lost, and ids from two
//! concurrent leasers never collide.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use fred::prelude::{Client, KeysInterface};
use ids::{NodeLease, Snowflake};

const TTL: Duration = Duration::from_millis(600);

async fn redis() -> Client {
    let settings = settings::RedisSettings {
        url: testkit::redis_url(),
        ..Default::default()
    };
    settings::connect_redis(&settings).await.unwrap()
}

fn key(prefix: &str, node: u16) -> String {
    format!("{prefix}snowflake:node:{node}")
}

#[tokio::test]
async fn a_live_lease_is_renewed_and_no_second_leaser_takes_its_node() {
    let redis = redis().await;
    let prefix = format!("{}:", testkit::unique_name("gt_test_ids_"));
    let first = NodeLease::acquire(redis.clone(), &prefix, TTL)
        .await
        .unwrap();
    let node = first.node().unwrap();
    // Three lifetimes: without renewal the lease would have expired twice over.
    let until = Instant::now() + TTL * 3;
    while Instant::now() < until {
        assert_eq!(
            first.node(),
            Some(node),
            "the lease stays valid while renewed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ttl_ms: i64 = redis.pttl(key(&prefix, node)).await.unwrap();
    assert!(ttl_ms > 0, "the key's TTL is refreshed (pttl {ttl_ms})");
    let second = NodeLease::acquire(redis.clone(), &prefix, TTL)
        .await
        .unwrap();
    assert_ne!(
        second.node().unwrap(),
        node,
        "a live node id is never shared"
    );
    first.release().await;
    second.release().await;
}

#[tokio::test]
async fn a_lost_lease_is_replaced_by_another_node_id() {
    let redis = redis().await;
    let prefix = format!("{}:", testkit::unique_name("gt_test_ids_"));
    let lease = NodeLease::acquire(redis.clone(), &prefix, TTL)
        .await
        .unwrap();
    let stolen = lease.node().unwrap();
    let _: () = redis
        .set(key(&prefix, stolen), "thief", None, None, false)
        .await
        .unwrap();
    let deadline = Instant::now() + TTL * 5;
    loop {
        match lease.node() {
            Some(node) if node != stolen => break,
            _ => assert!(Instant::now() < deadline, "the lost lease was not replaced"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let holder: String = redis.get(key(&prefix, stolen)).await.unwrap();
    assert_eq!(holder, "thief", "the new holder keeps its node");
    lease.release().await;
    let _: i64 = redis.del(key(&prefix, stolen)).await.unwrap();
}

#[tokio::test]
async fn ids_from_two_concurrent_leasers_never_collide() {
    let redis = redis().await;
    let prefix = format!("{}:", testkit::unique_name("gt_test_ids_"));
    let a = Snowflake::new(
        NodeLease::acquire(redis.clone(), &prefix, TTL)
            .await
            .unwrap(),
    );
    let b = Snowflake::new(
        NodeLease::acquire(redis.clone(), &prefix, TTL)
            .await
            .unwrap(),
    );
    let (from_a, from_b) = tokio::join!(mint(&a), mint(&b));
    let unique: HashSet<i64> = from_a.iter().chain(&from_b).copied().collect();
    assert_eq!(unique.len(), 10_000, "two leasers minted the same id");
    a.lease().release().await;
    b.lease().release().await;
}

/// 5 000 ids from `snowflake`, one after another.
async fn mint(snowflake: &Snowflake) -> Vec<i64> {
    let mut ids = Vec::with_capacity(5_000);
    for _ in 0..5_000 {
        ids.push(snowflake.next_id().await.unwrap());
    }
    ids
}
