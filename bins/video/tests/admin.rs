//! The video worker as an operator runs it — its own process, configured by environment
//! variables — answers `/readyz` and `/metrics` on `admin.listen`, and its metrics show
//! the subject it just served.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use contract::{Rpc, video::GetVideos};
use testkit::TestEnv;

#[tokio::test]
async fn the_worker_binary_reports_what_it_served_on_its_admin_endpoint() {
    let env = TestEnv::start().await.unwrap();
    let request = GetVideos { ids: vec![1] };
    let call = (GetVideos::SUBJECT, serde_json::to_value(request).unwrap());
    let bin = env!("CARGO_BIN_EXE_video");
    let served = testkit::process::serve_once(bin, &env, &[], "video", call);
    served.await.unwrap();
}
