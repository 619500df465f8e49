//! One call is one trace, seen by a real OTLP/HTTP receiver: the caller's span, the subject
//! request, the worker's handler and the event it publishes arrive with one trace id and
//! the right parents, and the consumer's batch span links to the event's context.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use contract::{Rpc, ServiceError};
use futures::StreamExt;
use mesh::{Router, ServiceSpec};
use serde::{Deserialize, Serialize};
use testkit::{
    NatsServer,
    otlp::{Receiver, Span},
};
use tracing::Instrument;

#[derive(Debug, Serialize, Deserialize)]
struct Note {
    text: String,
}

impl Rpc for Note {
    const SUBJECT: &'static str = "notes.v1.add";
    type Reply = u64;
}

/// The handler publishes the note as an event, as a domain worker does.
async fn add(js: Arc<async_nats::jetstream::Context>, note: Note) -> Result<u64, ServiceError> {
    let stored = mesh::events::publish(&js, "notes.added".into(), &note, None)
        .await
        .map_err(|err| ServiceError::internal(err.to_string()))?;
    Ok(stored.sequence)
}

/// Waits until spans with all `names` have arrived, flushing the exporter meanwhile.
async fn spans_named(received: &Receiver, names: &[&str]) -> Vec<Span> {
    let all_there = |spans: &[Span]| names.iter().all(|n| spans.iter().any(|s| s.name == *n));
    let within = Duration::from_secs(10);
    received
        .until(within, telemetry::flush, all_there)
        .await
        .unwrap()
}

fn named<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    spans.iter().find(|span| span.name == name).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_call_is_one_trace_at_the_receiver() {
    let received = Receiver::start().await.unwrap();
    let endpoint = received.url.clone();
    let settings = settings::TelemetrySettings {
        log_filter: "warn".into(),
        otlp_endpoint: endpoint,
        ..Default::default()
    };
    telemetry::init("otlp-test", &settings);
    let server = NatsServer::start().await.unwrap();
    let client = server.client().await.unwrap();
    let js = async_nats::jetstream::new(client.clone());
    let stream = js
        .create_stream(async_nats::jetstream::stream::Config {
            name: "NOTES".into(),
            subjects: vec!["notes.added".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let spec = ServiceSpec {
        name: "notes",
        version: "1.0.0",
        description: "notes for the trace test",
        concurrency: 4,
    };
    let router = Router::new().route::<Note, _, _, _>(add);
    let _worker = mesh::start(client.clone(), spec, router, Arc::new(js))
        .await
        .unwrap();

    // The edge's span per REST call, as bins/edge/src/observe.rs opens it.
    let root = tracing::info_span!("http", method = "POST", route = "/notes");
    let caller = mesh::Caller::new(client, Duration::from_secs(5));
    let note = Note {
        text: "traced".into(),
    };
    caller.call(&note).instrument(root).await.unwrap();

    // The consumer's side: one batch span over the stored event, linked to its context.
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            durable_name: Some("notes".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut batch = consumer.fetch().max_messages(10).messages().await.unwrap();
    let event = batch.next().await.unwrap().unwrap();
    let span = tracing::info_span!("consumer.batch", size = 1);
    mesh::trace::link_each(&span, std::iter::once(event.headers.as_ref()));
    span.in_scope(|| tracing::warn!("applied a batch"));
    drop(span);

    let names = [
        "http",
        "nats.request",
        "nats.handle",
        "stream.publish",
        "consumer.batch",
    ];
    let spans = spans_named(&received, &names).await;
    let [http, request, handle, publish, batch] = names.map(|name| named(&spans, name));
    for hop in [request, handle, publish] {
        assert_eq!(
            hop.trace_id, http.trace_id,
            "{} is in another trace",
            hop.name
        );
    }
    assert!(
        http.parent_span_id.is_empty(),
        "the REST call's span is the root"
    );
    assert_eq!(request.parent_span_id, http.span_id);
    assert_eq!(handle.parent_span_id, request.span_id);
    assert_eq!(publish.parent_span_id, handle.span_id);
    let link = batch.links.first().expect("the batch links to the event");
    assert_eq!(
        (&link.trace_id, &link.span_id),
        (&http.trace_id, &publish.span_id)
    );
}
