//! A TestEnv leaves no Redis keys behind: not when its test passes, not when it panics, and
//! it deletes only its own prefix's keys, never another test's.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use fred::prelude::{Client, ClientLike, KeysInterface};
use testkit::{TestEnv, redis::scan_keys, redis::under_prefix};

async fn shared_redis() -> Client {
    let redis = Client::new(
        fred::prelude::Config::from_url(&testkit::redis_url()).unwrap(),
        None,
        None,
        None,
    );
    redis.init().await.unwrap();
    redis
}

/// Writes `count` keys under `prefix` (more than one SCAN page, so the clean-up must follow
/// the cursor) and checks they are there.
async fn write_keys(redis: &Client, prefix: &str, count: usize) {
    let pairs: Vec<(String, String)> = (0..count)
        .map(|i| (format!("{prefix}key:{i}"), "x".to_owned()))
        .collect();
    let _: () = redis.mset(pairs).await.unwrap();
    let written = scan_keys(redis, &under_prefix(prefix, "*")).await.unwrap();
    assert_eq!(written.len(), count);
}

#[tokio::test]
async fn a_test_env_deletes_its_keys_and_only_its_keys_when_dropped() {
    let redis = shared_redis().await;
    let env = TestEnv::start().await.unwrap();
    let prefix = env.settings.redis.prefix.clone();
    write_keys(&redis, &prefix, 1_200).await;
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
    let kept: Option<String> = redis.get(&neighbour).await.unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("mine"),
        "another test's key was deleted"
    );
    let _: i64 = redis.del(&neighbour).await.unwrap();
}

#[tokio::test]
async fn a_test_env_deletes_its_keys_when_its_test_panics() {
    let redis = shared_redis().await;
    let (prefix_tx, prefix_rx) = tokio::sync::oneshot::channel();
    let failing_test = tokio::spawn(async move {
        let env = TestEnv::start().await.unwrap();
        let prefix = env.settings.redis.prefix.clone();
        write_keys(&shared_redis().await, &prefix, 10).await;
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
