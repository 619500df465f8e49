//! Replies over the server's max_payload: a list route answers the first items that fit
//! (the caller pages on), and a reply that cannot fit answers "reply too large" (503) at
//! once, counted as an error — never a reply lost in a publish error and a caller's timeout.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use contract::{
    ErrorKind, Rpc, ServiceError,
    comment::{CommentInfo, Comments},
};
use mesh::{CallError, Caller, Router, ServiceSpec, Worker};
use serde::{Deserialize, Serialize};
use testkit::NatsServer;

const MAX_PAYLOAD: usize = 16 * 1024;
/// Much longer than an answer takes: reaching it is the failure this guards against.
const TIMEOUT: Duration = Duration::from_secs(5);

/// `count` comments of `bytes` bytes each, newest (highest id) first.
#[derive(Debug, Serialize, Deserialize)]
struct Many {
    count: i64,
    bytes: usize,
}

impl Rpc for Many {
    const SUBJECT: &'static str = "demo.v1.many";
    type Reply = Comments;
}

/// One string of `bytes` bytes: not a list, nothing to cut.
#[derive(Debug, Serialize, Deserialize)]
struct Blob {
    bytes: usize,
}

impl Rpc for Blob {
    const SUBJECT: &'static str = "demo.v1.blob";
    type Reply = String;
}

async fn many(_: Arc<()>, request: Many) -> Result<Comments, ServiceError> {
    let comment = |id| CommentInfo {
        id,
        video_id: 1,
        user_id: 1,
        content: "x".repeat(request.bytes),
        created_ms: id,
    };
    let comments = (0..request.count).rev().map(comment).collect();
    Ok(Comments { comments })
}

async fn blob(_: Arc<()>, request: Blob) -> Result<String, ServiceError> {
    Ok("x".repeat(request.bytes))
}

/// A worker of both routes on a server of [`MAX_PAYLOAD`], and a client and caller for it.
async fn start() -> (NatsServer, Worker, Caller, async_nats::Client) {
    let server = NatsServer::start_with_max_payload(MAX_PAYLOAD)
        .await
        .unwrap();
    let spec = ServiceSpec {
        name: "demo",
        version: "1.0.0",
        description: "large replies",
        concurrency: 4,
    };
    let router = Router::new()
        .route_list::<Many, _, _, _>(many)
        .route::<Blob, _, _, _>(blob);
    let client = server.client().await.unwrap();
    let worker = mesh::start(client, spec, router, Arc::new(()))
        .await
        .unwrap();
    let client = server.client().await.unwrap();
    let caller = Caller::new(client.clone(), TIMEOUT);
    (server, worker, caller, client)
}

async fn ask(caller: &Caller, count: i64, bytes: usize) -> Comments {
    caller.call(&Many { count, bytes }).await.unwrap()
}

async fn too_large<R: Rpc>(caller: &Caller, request: &R) {
    let started = Instant::now();
    let Err(CallError::Service(err)) = caller.call(request).await else {
        panic!("an oversize reply did not answer a service error");
    };
    assert!(started.elapsed() < TIMEOUT / 2, "{:?}", started.elapsed());
    assert_eq!(err.kind, ErrorKind::Unavailable);
    assert_eq!(err.message, "reply too large");
}

#[tokio::test]
async fn a_list_too_large_for_one_message_answers_its_first_items_that_fit() {
    let (_server, _worker, caller, _) = start().await;
    let reply = ask(&caller, 100, 1000).await;
    let ids: Vec<i64> = reply.comments.iter().map(|c| c.id).collect();
    assert!(ids.len() >= 10 && ids.len() < 16, "kept {}", ids.len());
    assert_eq!(ids, (100 - ids.len() as i64..100).rev().collect::<Vec<_>>());
    let small = ask(&caller, 3, 10).await;
    assert_eq!(small.comments.len(), 3, "a list that fits is left whole");
}

#[tokio::test]
async fn a_reply_that_cannot_fit_answers_reply_too_large_at_once_and_counts_as_an_error() {
    let (_server, _worker, caller, client) = start().await;
    too_large(&caller, &Blob { bytes: MAX_PAYLOAD }).await;
    too_large(
        &caller,
        &Many {
            count: 2,
            bytes: MAX_PAYLOAD,
        },
    )
    .await;
    assert_eq!(caller.call(&Blob { bytes: 10 }).await.unwrap().len(), 10);

    let stats = client.request("$SRV.STATS.demo", "".into()).await.unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&stats.payload).unwrap();
    let errors = |name: &str| {
        stats["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["num_errors"].as_u64().unwrap())
    };
    assert_eq!(errors("blob"), Some(1), "{stats}");
    assert_eq!(errors("many"), Some(1), "{stats}");
}
