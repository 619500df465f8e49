//! The user worker as an operator runs it — its own process, configured by environment
//! variables — answers `/readyz` and `/metrics` on `admin.listen`, and its metrics show
//! the subject it just served.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::{Rpc, user::GetUsers};
use testkit::{TestEnv, WorkerProcess};

#[tokio::test]
async fn the_worker_binary_reports_what_it_served_on_its_admin_endpoint() {
    let env = TestEnv::start().await.unwrap();
    let bin = env!("CARGO_BIN_EXE_user");
    let worker = WorkerProcess::start(bin, &env, &[]).await.unwrap();
    worker
        .wait_ready(true, Duration::from_secs(30))
        .await
        .unwrap();
    let nats = env.nats_client().await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(10));
    caller.call(&GetUsers { ids: vec![1] }).await.unwrap();
    testkit::process::assert_serves(&worker, "user", GetUsers::SUBJECT)
        .await
        .unwrap();
}
