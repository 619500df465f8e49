//! The drift verifier's comparison against a real Redis: a group installed from its truth
//! holds it; a changed count, a lost member, an extra member or a changed score does not;
//! a group with a missing key is "not loaded" (left to the next read's rebuild). Reads are
//! chunked, so a group larger than one chunk is compared whole.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use fred::prelude::{Client, ClientLike, HashesInterface, KeysInterface, SortedSetsInterface};
use hotstate::{Staged, pairs, verify::holds};
use mesh::batch::Versioned;

const CHUNK: usize = 7;

async fn redis() -> Option<Client> {
    testkit::redis::single_client().await.unwrap()
}

/// A set group of 20 members (more than two chunks), every third one off.
fn truth(base: &str) -> Vec<Staged> {
    let members: Vec<(String, Versioned)> = (1..=20)
        .map(|m| {
            let state = Versioned {
                on: m % 3 != 0,
                seq: m,
                at_ms: 1_000 + m as i64,
            };
            (m.to_string(), state)
        })
        .collect();
    pairs::stage_set(format!("{base}:set"), format!("{base}:seq"), &members)
}

#[tokio::test]
async fn a_group_holds_its_truth_and_any_partial_loss_shows() {
    let Some(redis) = redis().await else { return };
    let base = format!("gt_test_verify_{}:fav:{{u1}}", rand::random::<u64>());
    let (set, seq) = (format!("{base}:set"), format!("{base}:seq"));
    let settings = settings::HotSettings::default();
    assert_eq!(holds(&redis, &truth(&base), CHUNK).await.unwrap(), None);
    assert!(
        hotstate::install(&redis, &settings, truth(&base), false)
            .await
            .unwrap()
    );
    assert_eq!(
        holds(&redis, &truth(&base), CHUNK).await.unwrap(),
        Some(true)
    );

    // Each corruption alone, then undone by reinstalling the truth.
    let reinstall = async |redis: &Client| {
        let _: i64 = redis.del(vec![set.clone(), seq.clone()]).await.unwrap();
        hotstate::install(redis, &settings, truth(&base), false)
            .await
            .unwrap();
    };
    let _: () = redis.zrem(&set, "20").await.unwrap();
    assert_eq!(
        holds(&redis, &truth(&base), CHUNK).await.unwrap(),
        Some(false),
        "lost member"
    );
    reinstall(&redis).await;
    let _: () = redis
        .zadd(&set, None, None, false, false, (5.0, "99"))
        .await
        .unwrap();
    assert_eq!(
        holds(&redis, &truth(&base), CHUNK).await.unwrap(),
        Some(false),
        "extra member"
    );
    reinstall(&redis).await;
    let _: () = redis
        .zadd(&set, None, None, false, false, (5.0, "1"))
        .await
        .unwrap();
    assert_eq!(
        holds(&redis, &truth(&base), CHUNK).await.unwrap(),
        Some(false),
        "moved member"
    );
    reinstall(&redis).await;
    let _: () = redis.hset(&seq, ("17", "-17")).await.unwrap();
    assert_eq!(
        holds(&redis, &truth(&base), CHUNK).await.unwrap(),
        Some(false),
        "sequence"
    );
    reinstall(&redis).await;
    assert_eq!(
        holds(&redis, &truth(&base), CHUNK).await.unwrap(),
        Some(true)
    );
    let _: i64 = redis.del(seq.clone()).await.unwrap();
    assert_eq!(
        holds(&redis, &truth(&base), CHUNK).await.unwrap(),
        None,
        "half missing"
    );
    let _: i64 = redis.del(vec![set.clone(), seq.clone()]).await.unwrap();
    let _ = redis.quit().await;
}
