//! Reads of many keys in one round trip, on a single Redis (one script) and on a real
//! 3-node Redis Cluster (one pipeline routed by slot): the same answers, in the order of the
//! keys, with missing keys and fields as such, across more keys than one script takes.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use fred::prelude::{Client, ClientLike, HashesInterface, KeysInterface, SortedSetsInterface};

/// 1,200 keys: more than one script's chunk, so chunks are joined in order.
const KEYS: usize = 1_200;

async fn check(redis: &Client, prefix: &str) {
    let sets: Vec<String> = (0..KEYS).map(|i| format!("{prefix}:{{s{i}}}:z")).collect();
    let hashes: Vec<String> = (0..KEYS).map(|i| format!("{prefix}:{{h{i}}}:p")).collect();
    // Key i holds i % 7 members (0: missing); hash i has `_n` = i unless i % 5 == 0 (missing
    // key) or i % 5 == 1 (the hash exists without the field).
    for i in 0..KEYS {
        for member in 0..i % 7 {
            let _: () = redis
                .zadd(
                    &sets[i],
                    None,
                    None,
                    false,
                    false,
                    (1.0, member.to_string()),
                )
                .await
                .unwrap();
        }
        match i % 5 {
            0 => {}
            1 => redis
                .hset::<(), _, _>(&hashes[i], ("other", "1"))
                .await
                .unwrap(),
            _ => redis
                .hset::<(), _, _>(&hashes[i], ("_n", i.to_string()))
                .await
                .unwrap(),
        }
    }
    let sizes = hotstate::many::zcards(redis, sets.clone()).await.unwrap();
    let counts = hotstate::many::hgets(redis, hashes.clone(), "_n")
        .await
        .unwrap();
    let _: i64 = redis.del(sets).await.unwrap_or_default();
    let _: i64 = redis.del(hashes).await.unwrap_or_default();
    let expected_sizes: Vec<i64> = (0..KEYS).map(|i| (i % 7) as i64).collect();
    let expected_counts: Vec<Option<i64>> =
        (0..KEYS).map(|i| (i % 5 > 1).then_some(i as i64)).collect();
    assert_eq!(sizes, expected_sizes);
    assert_eq!(counts, expected_counts);
    assert!(
        hotstate::many::zcards(redis, Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn one_redis_answers_every_key_in_order() {
    let Some(redis) = testkit::redis::single_client().await.unwrap() else {
        return;
    };
    check(&redis, &format!("gt_test_many_{}", rand::random::<u64>())).await;
    let _ = redis.quit().await;
}

#[tokio::test]
async fn a_redis_cluster_answers_every_key_in_order() {
    let redis = testkit::redis::cluster_client().await.unwrap();
    assert!(redis.is_clustered());
    check(&redis, "gt_test_many").await;
    let _ = redis.quit().await;
}
