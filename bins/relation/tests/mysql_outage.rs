//! MySQL down behind the relation and user workers (issue 11, "stop MySQL for 30 s → writes
//! still acknowledged, reads keep answering from hot state"): following a user this worker
//! has seen is acknowledged, the follow list still answers from Redis with it, and the
//! follow is in MySQL once the database is back.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::{
    relation::{ListKind, ListRelations, SetFollow},
    user::Register,
};
use mesh::Caller;
use testkit::{Proxy, TestEnv};

async fn register(caller: &Caller, name: &str) -> i64 {
    let register = Register {
        username: name.into(),
        password: "secret1".into(),
    };
    caller.call(&register).await.unwrap().user_id
}

async fn follow(caller: &Caller, follower_id: i64, followee_id: i64, following: bool) {
    let set = SetFollow {
        follower_id,
        followee_id,
        following,
    };
    let done = caller.call(&set).await;
    assert!(done.is_ok(), "{follower_id} → {followee_id}: {done:?}");
}

async fn following_in_mysql(env: &TestEnv, follower: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM follows WHERE following AND follower_id = ?")
        .bind(follower)
        .fetch_one(&env.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_follow_is_taken_and_listed_while_mysql_is_down() {
    let mut env = TestEnv::start().await.unwrap();
    // Both workers reach MySQL through a proxy the test cuts; the test's own pool does not.
    let (proxy, url) = Proxy::for_url(&env.db.url).await.unwrap();
    env.settings.mysql.url = url;
    env.settings.mysql.acquire_timeout_ms = 500;
    env.settings.persist.retry_delay_ms = 100;
    let nats = env.nats_client().await.unwrap();
    let _users = user::start(&env.settings, nats.clone()).await.unwrap();
    let _relations = relation::start(&env.settings, nats.clone()).await.unwrap();
    let caller = Caller::new(nats, Duration::from_secs(30));
    let me = register(&caller, "me").await;
    let (old, new) = (
        register(&caller, "old").await,
        register(&caller, "new").await,
    );
    follow(&caller, me, old, true).await;
    // The relation worker has now looked `new` up once (and loaded its side).
    follow(&caller, me, new, true).await;
    follow(&caller, me, new, false).await;

    proxy.cut();
    follow(&caller, me, new, true).await;
    let list = ListRelations {
        user_id: me,
        kind: ListKind::Follows,
        after: None,
    };
    let listed = caller.call(&list).await.unwrap().user_ids;
    assert_eq!(
        listed,
        [new, old],
        "the list answers from Redis, newest first"
    );

    proxy.restore();
    let persisted = testkit::until_eq(Duration::from_secs(30), &2, || async {
        following_in_mysql(&env, me).await
    })
    .await;
    println!("both follows in MySQL {persisted:?} after it came back");
}
