//! The test cluster is a real Redis Cluster, reached through the deployment's own client
//! builder: keys land on the node that owns their slot, and a script whose keys span two
//! slots is refused, as a production cluster would refuse it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use fred::prelude::{Client, ClientLike, ClusterInterface, KeysInterface, LuaInterface};
use settings::RedisSettings;
use testkit::{RedisCluster, unique_name};

/// A client built by `settings::connect_redis` from the cluster URL, as a worker builds it.
async fn clustered(cluster: &RedisCluster) -> Client {
    let settings = RedisSettings {
        url: cluster.url(),
        prefix: String::new(),
        ..Default::default()
    };
    let redis = settings::connect_redis(&settings).await.unwrap();
    assert!(
        redis.is_clustered(),
        "{} gave a centralized client",
        cluster.url()
    );
    redis
}

#[tokio::test]
async fn a_deployment_reaches_the_cluster_while_its_first_seed_is_down() {
    let cluster = RedisCluster::shared().await.unwrap();
    // A loopback port nothing listens on, as the first seed; the real nodes after it.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let seeds: Vec<String> = cluster
        .addrs()
        .iter()
        .map(|a| format!("node={a}"))
        .collect();
    let settings = RedisSettings {
        url: format!("redis-cluster://{dead_addr}?{}", seeds.join("&")),
        prefix: String::new(),
        ..Default::default()
    };
    let redis = settings::connect_redis(&settings).await.unwrap();
    let key = unique_name("gt_test_seed_");
    let _: () = redis.set(&key, "x", None, None, false).await.unwrap();
    let read: Option<String> = redis.get(&key).await.unwrap();
    assert_eq!(read.as_deref(), Some("x"));
    let _: i64 = redis.del(&key).await.unwrap();
}

/// A plain client of one node: it sees only that node's keys.
async fn node(addr: &str) -> Client {
    let config = fred::prelude::Config::from_url(&format!("redis://{addr}")).unwrap();
    let redis = Client::new(config, None, None, None);
    redis.init().await.unwrap();
    redis
}

#[tokio::test]
async fn a_key_written_through_the_cluster_client_lands_on_the_node_owning_its_slot() {
    let cluster = RedisCluster::shared().await.unwrap();
    let redis = clustered(cluster).await;
    let base = unique_name("gt_test_slot_");
    let keys: Vec<String> = (0..30).map(|i| format!("{base}:{i}")).collect();
    for key in &keys {
        let _: () = redis.set(key, "x", None, None, false).await.unwrap();
    }
    let nodes = node_clients(cluster).await;
    let mut holders = std::collections::BTreeSet::new();
    for key in &keys {
        let slot: u16 = redis.cluster_keyslot(key).await.unwrap();
        assert_eq!(slot, fred::util::redis_keyslot(key.as_bytes()));
        let owner = redis
            .cached_cluster_state()
            .unwrap()
            .get_server(slot)
            .unwrap()
            .to_string();
        // Only the owner holds keys of the slot (the others would answer MOVED for it).
        for (addr, client) in &nodes {
            let count: i64 = client.cluster_count_keys_in_slot(slot).await.unwrap();
            if *addr == owner {
                let here: i64 = client.exists(key).await.unwrap();
                assert_eq!(here, 1, "{key} (slot {slot}) is not on its owner {owner}");
                assert!(count >= 1, "slot {slot} on its owner {addr}: {count} keys");
            } else {
                assert_eq!(count, 0, "slot {slot} (owner {owner}) has keys on {addr}");
            }
        }
        holders.insert(owner);
    }
    assert_eq!(holders.len(), 3, "30 keys all landed on {holders:?}");
    testkit::redis::delete_keys(&redis, &testkit::redis::under_prefix(&base, "*"))
        .await
        .unwrap();
}

async fn node_clients(cluster: &RedisCluster) -> Vec<(String, Client)> {
    let mut nodes = Vec::new();
    for addr in cluster.addrs() {
        let client = node(&addr).await;
        nodes.push((addr, client));
    }
    nodes
}

#[tokio::test]
async fn a_script_whose_keys_span_two_slots_is_refused_and_a_hash_tagged_one_runs() {
    let cluster = RedisCluster::shared().await.unwrap();
    let redis = clustered(cluster).await;
    let base = unique_name("gt_test_crossslot_");
    let script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); \
                  return 1";
    // Two keys of different slots on one node: fred sends the script (it checks only
    // that the keys share a node), and the server refuses it before it runs.
    let (a, b) = same_node_other_slot(&redis, &base);
    let refused: Result<i64, _> = redis
        .eval(script, vec![a.clone(), b.clone()], vec!["1"])
        .await;
    let error = refused.unwrap_err().to_string();
    assert!(error.contains("CROSSSLOT"), "{error}");
    let written: i64 = redis.exists(vec![a.as_str()]).await.unwrap();
    assert_eq!(written, 0, "a refused script wrote nothing");
    // The same keys with one hash tag share a slot: the script runs.
    let (a, b) = (format!("{{{base}}}:a"), format!("{{{base}}}:b"));
    let ran: i64 = redis
        .eval(script, vec![a.clone(), b.clone()], vec!["1"])
        .await
        .unwrap();
    assert_eq!(ran, 1);
    let _: i64 = redis.del(vec![a, b]).await.unwrap();
}

/// Two keys under `base` whose slots differ but belong to one node.
fn same_node_other_slot(redis: &Client, base: &str) -> (String, String) {
    let state = redis.cached_cluster_state().unwrap();
    let owner = |key: &str| {
        state
            .get_server(fred::util::redis_keyslot(key.as_bytes()))
            .unwrap()
            .clone()
    };
    let a = format!("{base}:a");
    let b = (0..1_000)
        .map(|i| format!("{base}:b{i}"))
        .find(|b| {
            owner(b) == owner(&a)
                && fred::util::redis_keyslot(b.as_bytes())
                    != fred::util::redis_keyslot(a.as_bytes())
        })
        .unwrap();
    (a, b)
}
