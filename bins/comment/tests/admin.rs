//! The comment worker as an operator runs it — its own process, configured by environment
//! variables — answers `/readyz` and `/metrics` on `admin.listen`, and its metrics show
//! the subject it just served, its persister's state and lag.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use contract::{Rpc, comment::ListComments};
use testkit::TestEnv;

#[tokio::test]
async fn the_worker_binary_reports_what_it_served_on_its_admin_endpoint() {
    let env = TestEnv::start().await.unwrap();
    let request = ListComments { video_id: 1 };
    let call = (
        ListComments::SUBJECT,
        serde_json::to_value(request).unwrap(),
    );
    let bin = env!("CARGO_BIN_EXE_comment");
    let served = testkit::process::serve_once(
        bin,
        &env,
        &[("GOPHERTOK__PERSIST__LAG_POLL_MS", "100")],
        "comment",
        call,
    );
    let (worker, _) = served.await.unwrap();
    let consumer = contract::comment::PERSIST_CONSUMER;
    let persisting = testkit::process::assert_persisting(&worker, consumer);
    persisting.await.unwrap();
}
