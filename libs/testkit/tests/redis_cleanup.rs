//! A TestEnv leaves no Redis keys behind: not when its test passes, not when it panics, and
//! it deletes only its own prefix's keys, never another test's; on the single Redis and on
//! the Redis Cluster, where its keys are spread over every node.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use fred::prelude::{Client, ClientLike, KeysInterface};
use testkit::{RedisCluster, RedisMode, TestEnv, redis::scan_keys, redis::under_prefix};

async fn connect(url: &str) -> Client {
    let redis = Client::new(
        fred::prelude::Config::from_url(url).unwrap(),
        None,
        None,
        None,
    );
    redis.init().await.unwrap();
    redis
}

/// Writes `count` keys under `prefix` (more than one SCAN page, so the clean-up must follow
/// the cursor; one MSET per hash slot, as a cluster refuses a cross-slot MSET) and checks
/// they are there.
async fn write_keys(redis: &Client, prefix: &str, count: usize) {
    let keys = (0..count).map(|i| format!("{prefix}key:{i}"));
    for (_, group) in fred::util::group_by_hash_slot(keys).unwrap() {
        let pairs: Vec<_> = group.into_iter().map(|key| (key, "x")).collect();
        let _: () = redis.mset(pairs).await.unwrap();
    }
    let written = scan_keys(redis, &under_prefix(prefix, "*")).await.unwrap();
    assert_eq!(written.len(), count);
}

/// On the cluster: how many of the nodes hold some of the keys under `prefix`.
async fn nodes_holding(prefix: &str) -> usize {
    let mut holding = 0;
    for addr in RedisCluster::shared().await.unwrap().addrs() {
        let node = connect(&format!("redis://{addr}")).await;
        let keys = scan_keys(&node, &under_prefix(prefix, "*")).await.unwrap();
        holding += usize::from(!keys.is_empty());
    }
    holding
}

async fn a_test_env_deletes_its_keys_and_only_its_keys_when_dropped(mode: RedisMode) {
    let env = TestEnv::start_on(mode).await.unwrap();
    let redis = connect(&env.settings.redis.url).await;
    let prefix = env.settings.redis.prefix.clone();
    write_keys(&redis, &prefix, 1_200).await;
    if mode == RedisMode::Cluster {
        assert_eq!(
            nodes_holding(&prefix).await,
            3,
            "the keys sit on every node"
        );
    }
    // A key of another test whose prefix starts like this one's.
    let neighbour = format!("{}neighbour", prefix.trim_end_matches(':'));
    let _: () = redis
        .set(&neighbour, "mine", None, None, false)
        .await
        .unwrap();

    drop(env);

    let left = scan_keys(&redis, &under_prefix(&prefix, "*"))
        .await
        .unwrap();
    assert!(left.is_empty(), "{} keys left behind", left.len());
    if mode == RedisMode::Cluster {
        assert_eq!(nodes_holding(&prefix).await, 0, "a node kept keys");
    }
    let kept: Option<String> = redis.get(&neighbour).await.unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("mine"),
        "another test's key was deleted"
    );
    let _: i64 = redis.del(&neighbour).await.unwrap();
}

#[tokio::test]
async fn a_test_env_deletes_its_keys_and_only_its_keys_when_dropped_on_one_redis() {
    a_test_env_deletes_its_keys_and_only_its_keys_when_dropped(RedisMode::Single).await;
}

#[tokio::test]
async fn a_test_env_deletes_its_keys_and_only_its_keys_when_dropped_on_a_redis_cluster() {
    a_test_env_deletes_its_keys_and_only_its_keys_when_dropped(RedisMode::Cluster).await;
}

#[tokio::test]
async fn a_test_env_deletes_its_keys_when_its_test_panics() {
    let redis = connect(&testkit::redis_url()).await;
    let (prefix_tx, prefix_rx) = tokio::sync::oneshot::channel();
    let failing_test = tokio::spawn(async move {
        let env = TestEnv::start().await.unwrap();
        let prefix = env.settings.redis.prefix.clone();
        write_keys(&connect(&env.settings.redis.url).await, &prefix, 10).await;
        prefix_tx.send(prefix).unwrap();
        panic!("a failing assertion");
    });

    let outcome = failing_test.await;
    assert!(outcome.unwrap_err().is_panic());
    let prefix = prefix_rx.await.unwrap();
    let left = scan_keys(&redis, &under_prefix(&prefix, "*"))
        .await
        .unwrap();
    assert!(left.is_empty(), "{} keys left behind", left.len());
}
