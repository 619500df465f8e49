//! The favorite worker as an operator runs it — its own process, configured by environment
//! variables — answers `/readyz` and `/metrics` on `admin.listen`: its metrics show the
//! subject it served, the rebuild of the cold hot state and its persister; its `/readyz`
//! turns not-ready while the persister has lost its consumer, and ready again once the
//! supervisor has recreated it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::{
    Rpc,
    favorite::{PERSIST_CONSUMER, STREAM, VideoStats},
};
use testkit::{TestEnv, WorkerProcess, metric};

/// The lag read from the server every 100 ms, so its first reading comes at once.
const LAG_POLL: [(&str, &str); 1] = [("GOPHERTOK__PERSIST__LAG_POLL_MS", "100")];

async fn start(env: &TestEnv) -> WorkerProcess {
    let bin = env!("CARGO_BIN_EXE_favorite");
    WorkerProcess::start(bin, env, &LAG_POLL).await.unwrap()
}

#[tokio::test]
async fn the_worker_binary_reports_what_it_served_on_its_admin_endpoint() {
    let env = TestEnv::start().await.unwrap();
    let stats = VideoStats {
        video_ids: vec![1, 2],
        viewer: None,
    };
    let call = (VideoStats::SUBJECT, serde_json::to_value(stats).unwrap());
    let bin = env!("CARGO_BIN_EXE_favorite");
    let served = testkit::process::serve_once(bin, &env, &LAG_POLL, "favorite", call);
    let (worker, text) = served.await.unwrap();
    // Redis held nothing for the two videos: both groups were rebuilt, in one run.
    let favorite = [("domain", "favorite")];
    let rebuilt = metric(&text, "hot_rebuilt_groups_total", &favorite);
    assert!(rebuilt.is_some_and(|n| n >= 2.0), "{text}");
    let runs = [("domain", "favorite"), ("outcome", "ok")];
    assert!(
        metric(&text, "hot_rebuilds_total", &runs).is_some(),
        "{text}"
    );
    let persisting = testkit::process::assert_persisting(&worker, PERSIST_CONSUMER);
    persisting.await.unwrap();
}

#[tokio::test]
async fn readyz_is_not_ready_while_the_persister_lost_its_consumer_and_ready_once_recreated() {
    let env = TestEnv::start().await.unwrap();
    let worker = start(&env).await;
    let ready = worker
        .wait_ready(true, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(ready["checks"]["persist-favorite"], "ok", "{ready}");

    // An operator (or a bad script) deletes the durable consumer.
    let js = async_nats::jetstream::new(env.nats_client().await.unwrap());
    let stream = js.get_stream(STREAM).await.unwrap();
    stream.delete_consumer(PERSIST_CONSUMER).await.unwrap();

    let not_ready = worker.wait_ready(false, Duration::from_secs(20)).await;
    let not_ready = not_ready.unwrap();
    assert_eq!(not_ready["status_code"], 503, "{not_ready}");
    let check = not_ready["checks"]["persist-favorite"].as_str().unwrap();
    assert!(check.starts_with("error"), "{not_ready}");
    assert_eq!(
        not_ready["checks"]["nats"], "ok",
        "only the persister: {not_ready}"
    );

    // The supervisor backs off, recreates the consumer and consumes again.
    let ready = worker
        .wait_ready(true, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(ready["checks"]["persist-favorite"], "ok", "{ready}");
    stream.consumer_info(PERSIST_CONSUMER).await.unwrap();
    let text = worker.metrics().await.unwrap();
    let consumer = [("consumer", PERSIST_CONSUMER)];
    let restarts = metric(&text, "consumer_restarts_total", &consumer);
    assert!(restarts.is_some_and(|n| n >= 1.0), "{text}");
    assert_eq!(metric(&text, "consumer_up", &consumer), Some(1.0), "{text}");
}
