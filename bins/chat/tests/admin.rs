//! The chat worker as an operator runs it — its own process, configured by environment
//! variables — answers `/readyz` and `/metrics` on `admin.listen`, and its metrics show
//! the subject it just served.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use contract::{Rpc, chat::Latest};
use testkit::TestEnv;

#[tokio::test]
async fn the_worker_binary_reports_what_it_served_on_its_admin_endpoint() {
    let env = TestEnv::start().await.unwrap();
    let request = Latest {
        user_id: 1,
        peer_ids: vec![2],
    };
    let call = (Latest::SUBJECT, serde_json::to_value(request).unwrap());
    let bin = env!("CARGO_BIN_EXE_chat");
    let served = testkit::process::serve_once(bin, &env, &[], "chat", call);
    served.await.unwrap();
}
