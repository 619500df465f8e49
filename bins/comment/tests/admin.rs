//! The comment worker as an operator runs it — its own process, configured by environment
//! variables — answers `/readyz` and `/metrics` on `admin.listen`, and its metrics show
//! the subject it just served, its persister's state and lag.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::{Rpc, comment::ListComments};
use testkit::{TestEnv, WorkerProcess, metric};

#[tokio::test]
async fn the_worker_binary_reports_what_it_served_on_its_admin_endpoint() {
    let env = TestEnv::start().await.unwrap();
    let bin = env!("CARGO_BIN_EXE_comment");
    let worker = WorkerProcess::start(bin, &env, &[("GOPHERTOK__PERSIST__LAG_POLL_MS", "100")])
        .await
        .unwrap();
    worker
        .wait_ready(true, Duration::from_secs(30))
        .await
        .unwrap();
    let nats = env.nats_client().await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(10));
    caller.call(&ListComments { video_id: 1 }).await.unwrap();
    let text = testkit::process::assert_serves(&worker, "comment", ListComments::SUBJECT)
        .await
        .unwrap();
    // The persister consumes, and its lag is read from the server (every 100 ms here).
    let consumer = [("consumer", contract::comment::PERSIST_CONSUMER)];
    assert_eq!(metric(&text, "consumer_up", &consumer), Some(1.0), "{text}");
    let lag = testkit::until_eq(Duration::from_secs(10), &true, || async {
        let text = worker.metrics().await.unwrap();
        metric(&text, "consumer_lag", &consumer).is_some()
    });
    lag.await;
}
