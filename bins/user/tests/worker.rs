//! The user worker over NATS, against real MariaDB and Redis: discovery, the account round
//! trip, id minting across instances, and migrations racing at start-up.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{collections::HashSet, time::Duration};

use contract::user::{GetUsers, Login, Register, Session};
use mesh::{CallError, Caller};
use testkit::TestEnv;

async fn caller(env: &TestEnv) -> Caller {
    Caller::new(env.nats_client().await.unwrap(), Duration::from_secs(5))
}

fn register(name: &str) -> Register {
    Register {
        username: name.into(),
        password: "secret1".into(),
    }
}

#[tokio::test]
async fn the_service_api_lists_the_user_endpoints() {
    let env = TestEnv::start().await.unwrap();
    let _worker = user::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    let client = env.nats_client().await.unwrap();
    let reply = client.request("$SRV.INFO.user", "".into()).await.unwrap();
    let info: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    let mut subjects: Vec<&str> = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|endpoint| endpoint["subject"].as_str().unwrap())
        .collect();
    subjects.sort_unstable();
    assert_eq!(
        subjects,
        [
            "user.v1.get",
            "user.v1.keys",
            "user.v1.login",
            "user.v1.register"
        ]
    );
    let ping = client.request("$SRV.PING.user", "".into()).await.unwrap();
    assert!(!ping.payload.is_empty());
}

#[tokio::test]
async fn register_login_and_get_round_trip_over_nats() {
    let env = TestEnv::start().await.unwrap();
    let _worker = user::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    let caller = caller(&env).await;
    let registered: Session = caller.call(&register("natsuser")).await.unwrap();
    let login = Login {
        username: "natsuser".into(),
        password: "secret1".into(),
    };
    let logged_in = caller.call(&login).await.unwrap();
    assert_eq!(logged_in.user_id, registered.user_id);
    let users = caller
        .call(&GetUsers {
            ids: vec![registered.user_id, registered.user_id, 1],
        })
        .await
        .unwrap();
    assert_eq!(
        users.users.len(),
        1,
        "duplicates collapse, unknown ids are left out"
    );
    assert_eq!(users.users[0].name, "natsuser");
    assert_eq!(users.users[0].avatar, env.settings.user.default_avatar);
    let Err(CallError::Service(err)) = caller.call(&register("natsuser")).await else {
        panic!("a second registration of the name succeeded");
    };
    assert_eq!(err.kind, contract::ErrorKind::Conflict);
}

#[tokio::test]
async fn two_instances_mint_disjoint_ids_and_give_their_node_back() {
    let env = TestEnv::start().await.unwrap();
    let a = user::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    let b = user::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    let node_a = a.state().ids.lease().node().unwrap();
    let node_b = b.state().ids.lease().node().unwrap();
    assert_ne!(node_a, node_b, "two live instances hold one node id");

    let caller = caller(&env).await;
    let registrations = (0..40).map(|i| {
        let caller = caller.clone();
        async move { caller.call(&register(&format!("twin{i}"))).await.unwrap() }
    });
    let sessions = futures::future::join_all(registrations).await;
    let ids: HashSet<i64> = sessions.iter().map(|s| s.user_id).collect();
    assert_eq!(ids.len(), 40, "an id was minted twice");
    let nodes: HashSet<u16> = ids.iter().map(|id| ids::node_of(*id)).collect();
    assert_eq!(
        nodes,
        HashSet::from([node_a, node_b]),
        "both instances minted"
    );

    a.shutdown().await;
    let c = user::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    assert_ne!(c.state().ids.lease().node(), Some(node_b));
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test]
async fn instances_starting_together_migrate_once() {
    let env = TestEnv::start().await.unwrap();
    // A database nobody has migrated yet, raced by four start-ups.
    let mut mysql = env.settings.mysql.clone();
    mysql.url = format!("{}_race", env.db.url);
    let starts = (0..4).map(|_| settings::connect_mysql(&mysql));
    for result in futures::future::join_all(starts).await {
        result.expect("a concurrent start-up failed");
    }
    let pool = settings::connect_mysql(&mysql).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied, settings::MIGRATOR.iter().count() as i64);
    sqlx::query(&format!("DROP DATABASE `{}_race`", env.db.name))
        .execute(&pool)
        .await
        .unwrap();
}
