//! A real OTLP/HTTP trace receiver on loopback (`POST /v1/traces`, protobuf, as
//! `libs/telemetry` exports): every span it receives is decoded with the OTLP types and
//! kept, for tests that follow one call across processes.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Bytes, extract::State, routing::post};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest, common::v1::any_value,
};
use prost::Message;

pub use opentelemetry_proto::tonic::trace::v1::Span;

type Received = Arc<Mutex<Vec<Span>>>;

/// A running receiver; it stops with the test's runtime.
pub struct Receiver {
    /// `http://127.0.0.1:<port>`: the exporter's endpoint (`telemetry.otlp_endpoint`).
    pub url: String,
    spans: Received,
}

async fn receive(State(spans): State<Received>, body: Bytes) -> Vec<u8> {
    // A body that is not OTLP is a failed test: keep nothing, answer (the exporter logs it).
    if let Ok(request) = ExportTraceServiceRequest::decode(body) {
        let mut kept = spans.lock().unwrap_or_else(|e| e.into_inner());
        for resource in request.resource_spans {
            for scope in resource.scope_spans {
                kept.extend(scope.spans);
            }
        }
    }
    // An empty ExportTraceServiceResponse.
    Vec::new()
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Self> {
        let spans = Received::default();
        let app = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(Arc::clone(&spans));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { url, spans })
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The spans once `done` holds for them, calling `flush` (an exporter in this process)
    /// between looks; `Err` with what came if it does not within `within`.
    pub async fn until(
        &self,
        within: Duration,
        mut flush: impl FnMut(),
        done: impl Fn(&[Span]) -> bool,
    ) -> anyhow::Result<Vec<Span>> {
        let deadline = Instant::now() + within;
        loop {
            flush();
            let spans = self.spans();
            if done(&spans) {
                return Ok(spans);
            }
            if Instant::now() > deadline {
                let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
                anyhow::bail!("within {within:?} only these spans came: {names:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The string value of `span`'s attribute `key`.
pub fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    let value = span.attributes.iter().find(|kv| kv.key == key)?;
    match value.value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(text) => Some(text),
        _ => None,
    }
}
