//! Count groups against a real Redis: a pair stored before any event (sequence 0, as bulk
//! loads and the seed write likes) counts as on, so a later event that leaves it on does
//! not count it twice, and one that turns it off counts it out once.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use fred::prelude::{ClientLike, HashesInterface, KeysInterface};
use hotstate::pairs::{COUNT_FIELD, count_call, stage_count};
use mesh::batch::Versioned;

fn state(on: bool, seq: u64) -> Versioned {
    Versioned { on, seq, at_ms: 1 }
}

#[tokio::test]
async fn a_pair_stored_on_at_sequence_zero_is_counted_once() {
    let Some(redis) = testkit::redis::single_client().await.unwrap() else {
        return;
    };
    let key = format!("gt_test_counts_{}:{{v1}}:p", rand::random::<u64>());
    // Two pairs liked before any event (seq 0) and one unliked at seq 0.
    let pairs = [
        ("1".to_owned(), state(true, 0)),
        ("2".to_owned(), state(true, 0)),
        ("3".to_owned(), state(false, 0)),
    ];
    let hotstate::Staged::Hash(_, fields) = stage_count(key.clone(), &pairs) else {
        unreachable!("a count group is one hash")
    };
    let _: () = redis.hset(&key, fields).await.unwrap();

    let calls = [
        count_call(key.clone(), "1".into(), &state(true, 5)), // liked again: still 2
        count_call(key.clone(), "2".into(), &state(false, 6)), // unliked: 1
        count_call(key.clone(), "3".into(), &state(true, 7)), // liked: 2
    ];
    let applied: Vec<i64> = hotstate::script::run_all(&redis, &calls).await.unwrap();
    assert_eq!(applied, [1, 1, 1]);
    let count: i64 = redis.hget(&key, COUNT_FIELD).await.unwrap();
    let _: () = redis.del(&key).await.unwrap();
    let _ = redis.quit().await;
    assert_eq!(
        count, 2,
        "each pair counted once, whatever its stored sequence"
    );
}
