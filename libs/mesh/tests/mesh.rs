//! The mesh against a real nats-server: typed calls, every error kind through the service
//! headers, timeouts, no responders, queue groups, discovery, concurrency limits, trace
//! context and graceful shutdown.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use contract::{ErrorKind, Rpc, ServiceError};
use mesh::{CallError, Router, ServiceSpec, Worker};
use opentelemetry::trace::TraceContextExt;
use serde::{Deserialize, Serialize};
use testkit::NatsServer;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Echo {
    text: String,
    fail_with: Option<u16>,
    sleep_ms: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Echoed {
    text: String,
    instance: String,
    trace_id: String,
}

impl Rpc for Echo {
    const SUBJECT: &'static str = "demo.v1.echo";
    type Reply = Echoed;
}

/// A subject nobody serves.
#[derive(Debug, Serialize, Deserialize)]
struct Nobody;

impl Rpc for Nobody {
    const SUBJECT: &'static str = "nobody.v1.home";
    type Reply = ();
}

struct Demo {
    instance: String,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

async fn echo(state: Arc<Demo>, request: Echo) -> Result<Echoed, ServiceError> {
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(request.sleep_ms)).await;
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    if let Some(code) = request.fail_with {
        return Err(ServiceError::new(
            ErrorKind::from_code(code),
            "demo failure",
        ));
    }
    let context = tracing::Span::current().context();
    Ok(Echoed {
        text: request.text,
        instance: state.instance.clone(),
        trace_id: context.span().span_context().trace_id().to_string(),
    })
}

async fn start_demo(
    server: &NatsServer,
    instance: &str,
    concurrency: usize,
) -> (Worker, Arc<Demo>) {
    let client = server.client().await.unwrap();
    let state = Arc::new(Demo {
        instance: instance.into(),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
    });
    let spec = ServiceSpec {
        name: "demo",
        version: "1.0.0",
        description: "echo for tests",
        concurrency,
    };
    let router = Router::new().route::<Echo, _, _, _>(echo);
    let worker = mesh::start(client, spec, router, Arc::clone(&state))
        .await
        .unwrap();
    (worker, state)
}

async fn caller(server: &NatsServer, timeout_ms: u64) -> mesh::Caller {
    let client = server.client().await.unwrap();
    mesh::Caller::new(client, Duration::from_millis(timeout_ms))
}

fn say(text: &str) -> Echo {
    Echo {
        text: text.into(),
        ..Echo::default()
    }
}

#[tokio::test]
async fn a_typed_request_gets_its_typed_reply() {
    let server = NatsServer::start().await.unwrap();
    let (_worker, _) = start_demo(&server, "a", 8).await;
    let reply = caller(&server, 2_000).await.call(&say("hi")).await.unwrap();
    assert_eq!(reply.text, "hi");
    assert_eq!(reply.instance, "a");
}

#[tokio::test]
async fn every_error_kind_survives_the_service_headers() {
    let server = NatsServer::start().await.unwrap();
    let (_worker, _) = start_demo(&server, "a", 8).await;
    let caller = caller(&server, 2_000).await;
    for kind in ErrorKind::ALL {
        let request = Echo {
            fail_with: Some(kind.code()),
            ..Echo::default()
        };
        let Err(CallError::Service(err)) = caller.call(&request).await else {
            panic!("{kind:?} did not come back as a service error");
        };
        assert_eq!(err.kind, kind);
        // Internal details stay in the worker's log.
        let expected = if kind == ErrorKind::Internal {
            "internal error"
        } else {
            "demo failure"
        };
        assert_eq!(err.message, expected);
    }
}

#[tokio::test]
async fn a_slow_worker_is_a_timeout() {
    let server = NatsServer::start().await.unwrap();
    let (_worker, _) = start_demo(&server, "a", 8).await;
    let request = Echo {
        sleep_ms: 2_000,
        ..Echo::default()
    };
    let err = caller(&server, 200).await.call(&request).await.unwrap_err();
    assert_eq!(err, CallError::Timeout(Echo::SUBJECT));
    assert_eq!(ServiceError::from(err).kind, ErrorKind::Timeout);
}

#[tokio::test]
async fn a_subject_nobody_serves_has_no_responders() {
    let server = NatsServer::start().await.unwrap();
    let err = caller(&server, 2_000)
        .await
        .call(&Nobody)
        .await
        .unwrap_err();
    assert_eq!(err, CallError::NoResponders(Nobody::SUBJECT));
    assert_eq!(ServiceError::from(err).kind, ErrorKind::Unavailable);
}

#[tokio::test]
async fn two_instances_in_one_queue_group_share_the_requests() {
    let server = NatsServer::start().await.unwrap();
    let (_a, _) = start_demo(&server, "a", 8).await;
    let (_b, _) = start_demo(&server, "b", 8).await;
    let caller = caller(&server, 2_000).await;
    let calls = (0..60).map(|i| {
        let caller = caller.clone();
        async move { caller.call(&say(&i.to_string())).await.unwrap() }
    });
    let replies = futures::future::join_all(calls).await;
    let served_by_a = replies.iter().filter(|r| r.instance == "a").count();
    assert!(
        served_by_a > 0 && served_by_a < 60,
        "a served {served_by_a} of 60: the queue group did not balance"
    );
}

#[tokio::test]
async fn the_service_api_lists_the_endpoints() {
    let server = NatsServer::start().await.unwrap();
    let (_worker, _) = start_demo(&server, "a", 8).await;
    let client = server.client().await.unwrap();
    let reply = client.request("$SRV.INFO.demo", "".into()).await.unwrap();
    let info: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(info["name"], "demo");
    let endpoints = info["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0]["name"], "echo");
    assert_eq!(endpoints[0]["subject"], Echo::SUBJECT);
}

#[tokio::test]
async fn a_worker_never_runs_more_than_its_concurrency_limit() {
    let server = NatsServer::start().await.unwrap();
    let (_worker, state) = start_demo(&server, "a", 2).await;
    let caller = caller(&server, 5_000).await;
    let calls = (0..8).map(|_| {
        let caller = caller.clone();
        let request = Echo {
            sleep_ms: 100,
            ..Echo::default()
        };
        async move { caller.call(&request).await.unwrap() }
    });
    futures::future::join_all(calls).await;
    assert_eq!(state.max_in_flight.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_trace_context_travels_with_the_request() {
    let quiet = settings::TelemetrySettings {
        log_filter: "warn".into(),
        ..Default::default()
    };
    telemetry::init("mesh-test", &quiet);
    let server = NatsServer::start().await.unwrap();
    let (_worker, _) = start_demo(&server, "a", 8).await;
    let caller = caller(&server, 2_000).await;
    let span = tracing::info_span!("test.root");
    let caller_trace = span.context().span().span_context().trace_id().to_string();
    let reply = caller.call(&say("traced")).instrument(span).await.unwrap();
    assert_ne!(caller_trace, "00000000000000000000000000000000");
    assert_eq!(reply.trace_id, caller_trace);
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_then_stops_serving() {
    let server = NatsServer::start().await.unwrap();
    let (worker, state) = start_demo(&server, "a", 8).await;
    let caller = caller(&server, 5_000).await;
    let slow = tokio::spawn({
        let caller = caller.clone();
        async move {
            let request = Echo {
                text: "slow".into(),
                sleep_ms: 500,
                ..Echo::default()
            };
            caller.call(&request).await
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while state.in_flight.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the slow request never reached the worker"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    worker.shutdown().await;
    assert_eq!(slow.await.unwrap().unwrap().text, "slow");
    let after = caller.call(&say("late")).await.unwrap_err();
    assert_eq!(after, CallError::NoResponders(Echo::SUBJECT));
}
