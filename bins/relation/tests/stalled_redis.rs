//! A Redis that stops answering (SIGSTOP: the socket stays open, nothing comes back) makes
//! follows answer 503 within about `redis.command_timeout_ms`, frees every worker permit
//! (more requests than permits are all answered), and once Redis answers again the follows
//! that were stored but not applied are counted (the persister's repair). Runs its own
//! redis-server, so stopping it disturbs no other test.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use contract::{
    ErrorKind, ServiceError,
    relation::{ListKind, ListRelations, RelationStats, SetFollow},
    user::{GetUsers, Profile, Users},
};
use testkit::TestEnv;

const STAR: i64 = 4;
const TIMEOUT_MS: u64 = 500;
/// Far above the time-out: without one, a stalled Redis never answers at all.
const BOUND: Duration = Duration::from_secs(15);
const PERMITS: usize = 2;

/// A redis-server of this test's own on a free port; killed when dropped.
struct OwnRedis {
    child: Child,
    port: u16,
}

impl OwnRedis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bin = std::env::var("GOPHERTOK_REDIS_SERVER_BIN").unwrap_or("redis-server".into());
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Self { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal}");
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every user id exists (the follow path asks the user domain before it publishes).
async fn everyone(_: Arc<()>, request: GetUsers) -> Result<Users, ServiceError> {
    let users = request
        .ids
        .into_iter()
        .map(|id| Profile {
            id,
            name: format!("user{id}"),
            avatar: String::new(),
            background_image: String::new(),
            signature: String::new(),
        })
        .collect();
    Ok(Users { users })
}

async fn follow(caller: &mesh::Caller, fan: i64) -> Result<(), mesh::CallError> {
    let request = SetFollow {
        follower_id: fan,
        followee_id: STAR,
        following: true,
    };
    caller.call(&request).await.map(drop)
}

#[tokio::test]
async fn a_stalled_redis_makes_follows_503_in_time_and_they_count_once_it_is_back() {
    let redis = OwnRedis::start();
    let mut env = TestEnv::start().await.unwrap();
    env.settings.redis.url = redis.url();
    env.settings.redis.command_timeout_ms = TIMEOUT_MS;
    env.settings.worker.concurrency = PERMITS;
    let nats = env.nats_client().await.unwrap();
    let spec = mesh::ServiceSpec {
        name: "user",
        version: "0.0.1",
        description: "every user exists",
        concurrency: 16,
    };
    let router = mesh::Router::new().route::<GetUsers, _, _, _>(everyone);
    let users = mesh::start(nats.clone(), spec, router, Arc::new(()))
        .await
        .unwrap();
    // The redis-server may still be starting: the worker connects once it answers.
    let deadline = Instant::now() + BOUND;
    let worker = loop {
        match relation::start(&env.settings, nats.clone()).await {
            Ok(worker) => break worker,
            Err(err) => assert!(Instant::now() < deadline, "{err:#}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let caller = mesh::Caller::new(nats, Duration::from_secs(60));
    follow(&caller, 1).await.unwrap();

    redis.signal("-STOP");
    // Three times the permits: if a stalled call held its permit, the last would never run.
    let fans: Vec<i64> = (10..10 + 3 * PERMITS as i64).collect();
    let started = Instant::now();
    let answers = futures::future::join_all(fans.iter().map(|fan| follow(&caller, *fan))).await;
    let took = started.elapsed();
    for answer in answers {
        match answer {
            Err(mesh::CallError::Service(err)) => assert_eq!(err.kind, ErrorKind::Unavailable),
            other => panic!("expected a 503 while Redis is stalled, got {other:?}"),
        }
    }
    println!(
        "relation: {} follows on {PERMITS} permits answered 503 within {took:?} (time-out {TIMEOUT_MS} ms)",
        fans.len()
    );
    assert!(took < BOUND, "{took:?}");

    redis.signal("-CONT");
    follow(&caller, 99).await.unwrap();
    // Every follow was stored before its hot-state update failed: all are counted.
    let started = Instant::now();
    let want = 2 + fans.len() as i64;
    loop {
        let stats = RelationStats {
            user_ids: vec![STAR],
            viewer: None,
        };
        let count = caller.call(&stats).await.unwrap().stats[0].follower_count;
        let list = ListRelations {
            user_id: STAR,
            kind: ListKind::Followers,
            after: None,
        };
        let listed = caller.call(&list).await.unwrap().user_ids.len() as i64;
        if (count, listed) == (want, want) {
            break;
        }
        assert!(
            started.elapsed() < BOUND * 4,
            "{count} / {listed} of {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "relation: every follow counted {:?} after Redis came back",
        started.elapsed()
    );
    worker.shutdown().await;
    users.shutdown().await;
}
