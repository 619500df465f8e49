//! The span exporter: OTLP over HTTP/protobuf to `telemetry.otlp_endpoint`, batched on the
//! SDK's own thread, or none when no endpoint is set. `flush` and `shutdown` drain the batch
//! so the last spans of a stopping process still reach the collector.

use std::sync::OnceLock;

use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    trace::{Sampler, SdkTracerProvider},
};
use settings::TelemetrySettings;

/// The provider that owns the batch, kept to flush it; unset while nothing is exported.
static EXPORTING: OnceLock<SdkTracerProvider> = OnceLock::new();

/// The process's tracer provider: exporting when an endpoint is configured.
pub(crate) fn provider(service: &'static str, settings: &TelemetrySettings) -> SdkTracerProvider {
    let endpoint = settings.otlp_endpoint.trim_end_matches('/');
    if endpoint.is_empty() {
        return SdkTracerProvider::builder().build();
    }
    // The blocking client runs on the batch processor's thread, so exporting never needs (or
    // stalls) a tokio runtime; it is the reqwest already in the tree, without TLS of its own.
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{endpoint}/v1/traces"))
        .build();
    let exporter = match exporter {
        Ok(exporter) => exporter,
        Err(err) => {
            // Settings validated the URL; a failure here must not stop the service.
            eprintln!("telemetry: spans not exported to {endpoint}: {err}");
            return SdkTracerProvider::builder().build();
        }
    };
    // A call's later hops follow the decision its first hop made (the parent's sampled flag),
    // so a trace is whole or absent.
    let sampler = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
        settings.trace_sample_ratio,
    )));
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(sampler)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let _ = EXPORTING.set(provider.clone());
    provider
}

/// Sends the spans ended so far to the collector (a no-op while nothing is exported).
pub fn flush() {
    if let Some(provider) = EXPORTING.get()
        && let Err(err) = provider.force_flush()
    {
        eprintln!("telemetry: flushing spans: {err}");
    }
}

/// Flushes and stops the exporter: call once, as the process ends.
pub fn shutdown() {
    if let Some(provider) = EXPORTING.get()
        && let Err(err) = provider.shutdown()
    {
        eprintln!("telemetry: stopping the span exporter: {err}");
    }
}
