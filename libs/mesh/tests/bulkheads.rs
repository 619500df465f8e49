//! Bulkheads and deadlines against a real nats-server: a limited route runs at most its
//! limit, answers "busy" past its queue and never holds up the other routes; a request whose
//! caller has given up is dropped before it runs, counted in `$SRV.STATS`; shutdown waits
//! for the limited requests it admitted.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use contract::{ErrorKind, Rpc, ServiceError};
use mesh::{CallError, Limit, Router, ServiceSpec, Worker};
use serde::{Deserialize, Serialize};
use testkit::NatsServer;

/// Work that takes `ms` milliseconds.
#[derive(Debug, Serialize, Deserialize)]
struct Slow {
    ms: u64,
}

impl Rpc for Slow {
    const SUBJECT: &'static str = "bulkhead.v1.slow";
    type Reply = ();
}

/// Work that takes no time.
#[derive(Debug, Serialize, Deserialize)]
struct Quick;

impl Rpc for Quick {
    const SUBJECT: &'static str = "bulkhead.v1.quick";
    type Reply = ();
}

#[derive(Default)]
struct Counts {
    slow_started: AtomicUsize,
    slow_running: AtomicUsize,
    most_slow_running: AtomicUsize,
}

async fn slow(state: Arc<Counts>, request: Slow) -> Result<(), ServiceError> {
    state.slow_started.fetch_add(1, Ordering::SeqCst);
    let now = state.slow_running.fetch_add(1, Ordering::SeqCst) + 1;
    state.most_slow_running.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(request.ms)).await;
    state.slow_running.fetch_sub(1, Ordering::SeqCst);
    Ok(())
}

async fn quick(_: Arc<Counts>, _: Quick) -> Result<(), ServiceError> {
    Ok(())
}

/// A worker of `concurrency` permits; its slow route behind `limit` when one is given.
async fn start(
    server: &NatsServer,
    concurrency: usize,
    limit: Option<Limit>,
) -> (Worker, Arc<Counts>) {
    let client = server.client().await.unwrap();
    let spec = ServiceSpec {
        name: "bulkhead",
        version: "1.0.0",
        description: "slow and quick work",
        concurrency,
    };
    let mut router = Router::new().route::<Slow, _, _, _>(slow);
    if let Some(limit) = &limit {
        router = router.limited(limit);
    }
    let router = router.route::<Quick, _, _, _>(quick);
    let state = Arc::new(Counts::default());
    let worker = mesh::start(client, spec, router, Arc::clone(&state))
        .await
        .unwrap();
    (worker, state)
}

async fn caller(server: &NatsServer, timeout: Duration) -> mesh::Caller {
    let client = server.client().await.unwrap();
    mesh::Caller::new(client, timeout)
}

/// Fires `count` slow requests without waiting for them.
fn flood(
    caller: &mesh::Caller,
    count: usize,
    ms: u64,
) -> Vec<tokio::task::JoinHandle<Result<(), CallError>>> {
    (0..count)
        .map(|_| {
            let caller = caller.clone();
            tokio::spawn(async move { caller.call(&Slow { ms }).await })
        })
        .collect()
}

/// The `expired` count of the slow endpoint in the service API's stats.
async fn expired_in_stats(server: &NatsServer) -> u64 {
    let client = server.client().await.unwrap();
    let reply = client
        .request("$SRV.STATS.bulkhead", "".into())
        .await
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    let endpoints = stats["endpoints"].as_array().unwrap();
    let slow = endpoints
        .iter()
        .find(|e| e["subject"] == Slow::SUBJECT)
        .unwrap();
    slow["data"]["expired"].as_u64().unwrap()
}

#[tokio::test]
async fn quick_requests_flow_while_a_limited_route_is_saturated() {
    let server = NatsServer::start().await.unwrap();
    let limit = Limit::new("slow work", 1, 3);
    let (_worker, counts) = start(&server, 2, Some(limit)).await;
    let slow_caller = caller(&server, Duration::from_secs(10)).await;
    let slow_calls = flood(&slow_caller, 8, 300);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let quick_caller = caller(&server, Duration::from_secs(5)).await;
    for _ in 0..5 {
        let started = Instant::now();
        quick_caller.call(&Quick).await.unwrap();
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(150),
            "a quick request took {took:?}"
        );
    }
    let mut busy = 0;
    for call in slow_calls {
        match call.await.unwrap() {
            Ok(()) => {}
            Err(CallError::Service(err)) if err.kind == ErrorKind::Unavailable => {
                assert!(err.message.contains("too many slow work requests"), "{err}");
                assert!(Limit::refused(&err));
                busy += 1;
            }
            Err(err) => panic!("a slow request failed otherwise: {err}"),
        }
    }
    // One ran and three waited; the other four were told "busy" at once.
    assert_eq!(busy, 4);
    assert_eq!(counts.slow_started.load(Ordering::SeqCst), 4);
    assert_eq!(counts.most_slow_running.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn requests_whose_caller_gave_up_are_dropped_and_a_fresh_one_is_answered() {
    let server = NatsServer::start().await.unwrap();
    let (_worker, counts) = start(&server, 1, None).await;
    // Each takes 400 ms and its caller waits 600 ms: the second starts in time, the other
    // eight reach the single permit after their caller has gone. Served anyway, they would
    // hold up the fresh request behind them for 3.2 s.
    let impatient = caller(&server, Duration::from_millis(600)).await;
    let abandoned = flood(&impatient, 10, 400);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fresh = caller(&server, Duration::from_secs(2)).await;
    let started = Instant::now();
    fresh.call(&Slow { ms: 0 }).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "took {:?}",
        started.elapsed()
    );
    for call in abandoned {
        let _ = call.await.unwrap();
    }
    let ran = counts.slow_started.load(Ordering::SeqCst) as u64 - 1;
    let expired = expired_in_stats(&server).await;
    assert_eq!(
        ran + expired,
        10,
        "ran {ran} of the abandoned, expired {expired}"
    );
    assert!(expired >= 7, "only {expired} of 10 were dropped");
}

#[tokio::test]
async fn shutdown_finishes_the_limited_requests_it_admitted() {
    let server = NatsServer::start().await.unwrap();
    let (worker, counts) = start(&server, 2, Some(Limit::new("slow work", 1, 1))).await;
    let caller = caller(&server, Duration::from_secs(5)).await;
    // One runs, one waits in the limit's queue: both were admitted, both get their answer.
    let calls = flood(&caller, 2, 300);
    let deadline = Instant::now() + Duration::from_secs(5);
    while counts.slow_started.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the slow request never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    worker.shutdown().await;
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(counts.slow_started.load(Ordering::SeqCst), 2);
}
