//! Installing many rebuilt groups at once, on a single Redis (small groups share scripts)
//! and on a real 3-node Redis Cluster (one script per group, routed by slot): every group
//! holds exactly its truth whether it went through a shared script or staging keys, a group
//! already present is left as it was, only the empty group of an unknown id expires, and no
//! staging key is left behind.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use fred::prelude::{Client, ClientLike, KeysInterface};
use hotstate::{Rebuilt, Staged, install_all, pairs, verify::holds};
use mesh::batch::Versioned;

/// Members per script or staging command: groups of up to 19 pairs (2 × 20 members with
/// the markers) are small, larger ones are staged.
const CHUNK: usize = 40;
/// Groups 1..=GROUPS hold 1..=GROUPS pairs: many small ones, several per script, and some
/// staged.
const GROUPS: i64 = 25;

/// User `id`'s set group holding `pairs` liked videos (every third one unliked).
fn group(base: &str, id: i64, pairs: i64) -> Vec<Staged> {
    let members: Vec<(String, Versioned)> = (1..=pairs)
        .map(|m| {
            let state = Versioned {
                on: m % 3 != 0,
                seq: m as u64 + 100 * id as u64,
                at_ms: 1_000 + m,
            };
            (m.to_string(), state)
        })
        .collect();
    let key = |part: &str| format!("{base}:fav:{{u{id}}}:{part}");
    pairs::stage_set(key("set"), key("seq"), &members)
}

async fn check(redis: &Client, base: &str) {
    let settings = settings::HotSettings {
        install_chunk: CHUNK,
        ..Default::default()
    };
    // User 0 is present already (one pair), and is offered three: it must stay as it was.
    assert!(
        hotstate::install(redis, &settings, group(base, 0, 1), false)
            .await
            .unwrap()
    );
    let mut groups: Vec<Rebuilt> = (1..=GROUPS)
        .map(|id| Rebuilt {
            keys: group(base, id, id),
            expires: false,
        })
        .collect();
    groups.push(Rebuilt {
        keys: group(base, 0, 3),
        expires: false,
    });
    // User 99 has nothing and is not known to exist: a negative entry.
    groups.push(Rebuilt {
        keys: group(base, 99, 0),
        expires: true,
    });
    let installed = install_all(redis, &settings, groups).await.unwrap();
    let mut expected = vec![true; GROUPS as usize];
    expected.extend([false, true]);
    assert_eq!(installed, expected);

    for id in 1..=GROUPS {
        let truth = group(base, id, id);
        assert_eq!(
            holds(redis, &truth, 7).await.unwrap(),
            Some(true),
            "user {id}"
        );
        let ttl: i64 = redis.ttl(truth[0].target()).await.unwrap();
        assert_eq!(ttl, -1, "user {id}'s group is kept");
    }
    let kept = group(base, 0, 1);
    assert_eq!(
        holds(redis, &kept, 7).await.unwrap(),
        Some(true),
        "present group"
    );
    for staged in group(base, 99, 0) {
        let ttl: i64 = redis.ttl(staged.target()).await.unwrap();
        assert!(
            (1..=settings.empty_ttl_secs as i64).contains(&ttl),
            "the negative entry expires, TTL {ttl}"
        );
    }
    let all = testkit::redis::under_prefix(base, "*");
    let keys = testkit::redis::scan_keys(redis, &all).await.unwrap();
    assert!(!keys.iter().any(|key| key.contains(":stg:")), "{keys:?}");
    assert_eq!(keys.len(), 2 * (GROUPS as usize + 2));
    assert!(
        install_all(redis, &settings, Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
    testkit::redis::delete_keys(redis, &all).await.unwrap();
}

#[tokio::test]
async fn one_redis_installs_many_groups_exactly() {
    let Some(redis) = testkit::redis::single_client().await.unwrap() else {
        return;
    };
    check(
        &redis,
        &format!("gt_test_install_{}", rand::random::<u64>()),
    )
    .await;
    let _ = redis.quit().await;
}

#[tokio::test]
async fn a_redis_cluster_installs_many_groups_exactly() {
    let redis = testkit::redis::cluster_client().await.unwrap();
    assert!(redis.is_clustered());
    check(
        &redis,
        &format!("gt_test_install_{}", rand::random::<u64>()),
    )
    .await;
    let _ = redis.quit().await;
}
