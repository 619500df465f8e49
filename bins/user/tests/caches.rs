//! The profile cache every caller of the user worker keeps (`mesh::facts`), against the real
//! worker: a profile is asked for once, an unknown id only for a short while, and the cache
//! stays within its size.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::user::Register;
use mesh::Caller;
use settings::CacheSettings;
use testkit::TestEnv;

/// How many `user.v1.get` requests the (one) user worker has answered.
async fn gets_served(client: &async_nats::Client) -> u64 {
    let reply = client.request("$SRV.STATS.user", "".into()).await.unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    stats["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|endpoint| endpoint["name"] == "get")
        .map(|endpoint| endpoint["num_requests"].as_u64().unwrap())
        .unwrap()
}

/// A user worker and a caller with `caches` in front of it.
async fn start(caches: CacheSettings) -> (TestEnv, user::UserWorker, Caller) {
    let env = TestEnv::start().await.unwrap();
    let worker = user::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    let client = env.nats_client().await.unwrap();
    let caller = Caller::with_caches(client, Duration::from_secs(5), &caches);
    (env, worker, caller)
}

#[tokio::test]
async fn a_profile_is_asked_once_and_an_unknown_id_only_briefly() {
    let (env, _worker, caller) = start(CacheSettings {
        negative_ttl_ms: 50,
        ..CacheSettings::default()
    })
    .await;
    let stats = env.nats_client().await.unwrap();
    let register = Register {
        username: "cached".into(),
        password: "secret1".into(),
    };
    let id = caller.call(&register).await.unwrap().user_id;
    let missing = id + 1;

    let found = caller.profiles(&[id, missing]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[&id].name, "cached");
    caller.profiles(&[id, missing]).await.unwrap();
    assert_eq!(gets_served(&stats).await, 1, "both ids were remembered");

    tokio::time::sleep(Duration::from_millis(150)).await;
    caller.profiles(&[id]).await.unwrap();
    assert_eq!(gets_served(&stats).await, 1, "a found profile is kept");
    assert!(caller.profiles(&[missing]).await.unwrap().is_empty());
    assert_eq!(
        gets_served(&stats).await,
        2,
        "the miss was believed too long"
    );
}

#[tokio::test]
async fn random_unknown_ids_cannot_grow_the_cache_past_its_size() {
    let (_env, _worker, caller) = start(CacheSettings {
        profiles: 20,
        ..CacheSettings::default()
    })
    .await;
    let ids: Vec<i64> = (1_000_000..1_001_000).collect();
    for batch in ids.chunks(100) {
        assert!(caller.profiles(batch).await.unwrap().is_empty());
    }
    let (profiles, _) = caller.facts().sizes().await;
    assert!(profiles <= 20, "{profiles} profiles cached");
}
