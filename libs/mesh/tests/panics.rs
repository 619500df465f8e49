//! A handler that panics: the caller gets an internal error at once (not a timeout), and the
//! worker keeps serving the requests after it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use contract::{ErrorKind, Rpc, ServiceError};
use mesh::{CallError, Router, ServiceSpec};
use serde::{Deserialize, Serialize};
use testkit::NatsServer;

#[derive(Debug, Serialize, Deserialize)]
struct Divide {
    by: u32,
}

impl Rpc for Divide {
    const SUBJECT: &'static str = "demo.v1.divide";
    type Reply = u32;
}

async fn divide(_: Arc<()>, request: Divide) -> Result<u32, ServiceError> {
    // Panics on zero, like any bug in a handler.
    Ok(100u32.checked_div(request.by).expect("division by zero"))
}

#[tokio::test]
async fn a_panicking_handler_answers_an_internal_error_and_the_worker_keeps_serving() {
    let server = NatsServer::start().await.unwrap();
    let spec = ServiceSpec {
        name: "demo",
        version: "1.0.0",
        description: "panics on zero",
        concurrency: 4,
    };
    let router = Router::new().route::<Divide, _, _, _>(divide);
    let client = server.client().await.unwrap();
    let _worker = mesh::start(client, spec, router, Arc::new(()))
        .await
        .unwrap();
    let client = server.client().await.unwrap();
    // A timeout much longer than the answer takes: a timeout here is a failure.
    let caller = mesh::Caller::new(client, Duration::from_secs(5));
    let Err(CallError::Service(err)) = caller.call(&Divide { by: 0 }).await else {
        panic!("a panicking handler did not answer with a service error");
    };
    assert_eq!(err.kind, ErrorKind::Internal);
    assert_eq!(err.message, "internal error");
    assert_eq!(caller.call(&Divide { by: 4 }).await.unwrap(), 25);
}
