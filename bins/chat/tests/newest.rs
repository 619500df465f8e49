//! The newest-message time in Redis against a real Redis: a poll fills a missing time only
//! through its lease, a send sets it (voiding a fill in flight) and never lowers it, and a
//! lost key is only a miss.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use chat::newest::{Known, Newest};
use testkit::TestEnv;

async fn newest(env: &TestEnv) -> Newest {
    let redis = settings::connect_redis(&env.settings.redis).await.unwrap();
    Newest::new(redis, &env.settings.redis.prefix, 30)
}

fn lease(known: Known) -> String {
    match known {
        Known::Lease(lease) => lease,
        other => panic!("expected a lease, got {other:?}"),
    }
}

#[tokio::test]
async fn a_poll_fills_an_unknown_time_through_its_lease_and_sends_only_raise_it() {
    let env = TestEnv::start().await.unwrap();
    let newest = newest(&env).await;
    let first = lease(newest.known(10, 20).await.unwrap());
    assert_eq!(
        newest.known(20, 10).await.unwrap(),
        Known::Unknown,
        "a second poll neither waits nor fills while the first one reads the store"
    );
    newest.fill(10, 20, &first, 1_000).await.unwrap();
    assert_eq!(newest.known(20, 10).await.unwrap(), Known::At(1_000));
    newest.raise(20, 10, 1_005).await.unwrap();
    newest.raise(10, 20, 1_002).await.unwrap();
    assert_eq!(
        newest.known(10, 20).await.unwrap(),
        Known::At(1_005),
        "an older message stored late never lowers the time"
    );
    // Another conversation is apart: still unknown.
    lease(newest.known(10, 30).await.unwrap());
}

#[tokio::test]
async fn a_send_during_a_fill_sets_its_time_and_voids_the_fill() {
    let env = TestEnv::start().await.unwrap();
    let newest = newest(&env).await;
    let stale = lease(newest.known(10, 20).await.unwrap());
    // The poll read the store (newest: 1000) before this message was stored and raised.
    newest.raise(20, 10, 1_001).await.unwrap();
    newest.fill(10, 20, &stale, 1_000).await.unwrap();
    assert_eq!(
        newest.known(10, 20).await.unwrap(),
        Known::At(1_001),
        "the stale fill did not land: the sent message is not hidden"
    );
}

#[tokio::test]
async fn a_send_makes_an_unknown_time_known_and_a_lost_key_is_a_miss() {
    let env = TestEnv::start().await.unwrap();
    let newest = newest(&env).await;
    // Times rise in commit order: the stored message bounds every one before it, so a poll
    // at its time needs no store read (and keeps answering while the store is down).
    newest.raise(10, 20, 1_000).await.unwrap();
    assert_eq!(newest.known(20, 10).await.unwrap(), Known::At(1_000));
    let redis = settings::connect_redis(&env.settings.redis).await.unwrap();
    let pattern = testkit::redis::under_prefix(&env.settings.redis.prefix, "chat:new:*");
    assert_eq!(
        testkit::redis::delete_keys(&redis, &pattern).await.unwrap(),
        1
    );
    lease(newest.known(10, 20).await.unwrap());
}
