//! MySQL down behind the user worker (issue 11, "reads keep answering"): a profile the worker
//! has served is still served from its memory; one it never read is a 503 (it may exist),
//! not "no such user"; registration needs MySQL and answers 503 until it is back.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::{
    ErrorKind,
    user::{GetUsers, Register},
};
use mesh::{CallError, Caller};
use testkit::{Proxy, TestEnv};

fn register(name: &str) -> Register {
    Register {
        username: name.into(),
        password: "secret1".into(),
    }
}

fn unavailable(result: Result<impl std::fmt::Debug, CallError>) -> bool {
    matches!(result, Err(CallError::Service(ref err)) if err.kind == ErrorKind::Unavailable)
}

#[tokio::test]
async fn a_served_profile_is_still_served_while_mysql_is_down() {
    let mut env = TestEnv::start().await.unwrap();
    let (proxy, url) = Proxy::for_url(&env.db.url).await.unwrap();
    env.settings.mysql.url = url;
    env.settings.mysql.acquire_timeout_ms = 500;
    let nats = env.nats_client().await.unwrap();
    let _users = user::start(&env.settings, nats.clone()).await.unwrap();
    // Plain calls: no cache of the caller's own answers for the worker.
    let caller = Caller::new(nats, Duration::from_secs(30));
    let seen = caller.call(&register("seen")).await.unwrap().user_id;
    let unseen = caller.call(&register("unseen")).await.unwrap().user_id;
    let get = |ids: Vec<i64>| GetUsers { ids };
    assert_eq!(caller.call(&get(vec![seen])).await.unwrap().users.len(), 1);

    proxy.cut();
    let served = caller.call(&get(vec![seen])).await.unwrap().users;
    assert_eq!(served.len(), 1, "served from the worker's memory");
    assert_eq!(served[0].name, "seen");
    let never_read = caller.call(&get(vec![seen, unseen])).await;
    assert!(
        unavailable(never_read),
        "an unread profile is not 'missing'"
    );
    assert!(unavailable(caller.call(&register("later")).await));

    proxy.restore();
    let both = caller.call(&get(vec![seen, unseen])).await.unwrap().users;
    let ids: Vec<i64> = both.iter().map(|profile| profile.id).collect();
    assert_eq!(ids, [seen.min(unseen), seen.max(unseen)]);
}
