//! Process-wide telemetry: `tracing` logs (text or JSON lines, each with its trace id),
//! OpenTelemetry spans with W3C trace-context propagation (exported over OTLP/HTTP when an
//! endpoint is set), and a Prometheus metrics recorder. Initialising twice (several
//! components in one process, or many tests) is harmless: the first wins.

mod export;
mod log_filter;
mod log_format;

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider};
use settings::TelemetrySettings;
use tracing_subscriber::{
    Layer, Registry, filter::LevelFilter, layer::SubscriberExt, util::SubscriberInitExt,
};

pub use log_filter::{check_log_filter, set_log_filter};

pub use export::{flush, shutdown};
pub use log_format::{DispatchSlot, WithTraceId, remember_dispatch};

// glibc's malloc was a quarter of the all-in-one's CPU samples under feed load (its
// free-list consolidation above all); mimalloc's thread-local pages avoid most of it.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Handles that outlive initialisation: the metrics renderer for `/metrics`.
#[derive(Clone)]
pub struct Telemetry {
    pub metrics: PrometheusHandle,
}

static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();

/// Installs logging, tracing and metrics once per process and returns the shared handles.
pub fn init(service: &'static str, settings: &TelemetrySettings) -> Telemetry {
    TELEMETRY
        .get_or_init(|| {
            init_tracing(service, settings);
            Telemetry {
                metrics: init_metrics(),
            }
        })
        .clone()
}

fn init_tracing(service: &'static str, settings: &TelemetrySettings) {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    // Spans get real trace and span ids so they propagate across NATS hops and show in logs;
    // they leave the process only when a collector is configured.
    let provider: SdkTracerProvider = export::provider(service, settings);
    let tracer = provider.tracer(service);
    opentelemetry::global::set_tracer_provider(provider);
    let filter = log_filter::reloadable(&settings.log_filter);
    // Trace and span ids, names, fields and parents are kept; what goes is per-span work no
    // one reads without an exporter: source location and thread attributes (allocations per
    // span), busy/idle timing (two clock reads per poll) and activating the OpenTelemetry
    // context on every poll (`trace::inject_current` reads the span's context directly).
    let otel = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_location(false)
        .with_threads(false)
        .with_tracked_inactivity(false)
        .with_context_activation(false);
    let dispatch = DispatchSlot::default();
    let logs: Box<dyn Layer<Registry> + Send + Sync> = if settings.log_format == "json" {
        let json = tracing_subscriber::fmt::format().json();
        tracing_subscriber::fmt::layer()
            .json()
            .event_format(WithTraceId::json(json, dispatch.clone()))
            .boxed()
    } else {
        let ansi = std::env::var_os("NO_COLOR").is_none();
        let text = tracing_subscriber::fmt::format().with_ansi(ansi);
        tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .event_format(WithTraceId::text(text, dispatch.clone()))
            .boxed()
    };
    // The log level filters the logs only: info spans (ours) still reach OpenTelemetry, so
    // trace context propagates across NATS whatever the log level is; the libraries' debug
    // and trace spans would only flood the collector.
    // A test harness may have installed a subscriber already; keeping it is fine.
    let installed = tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(otel.with_filter(LevelFilter::INFO))
        .try_init();
    if installed.is_ok() {
        remember_dispatch(&dispatch);
    }
}

/// Latency buckets in seconds: histograms (unlike summaries) add up across instances.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Batch sizes, in messages.
const SIZE_BUCKETS: &[f64] = &[
    1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 5_000.0, 10_000.0,
];

fn init_metrics() -> PrometheusHandle {
    let builder = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full("consumer_batch_size".into()), SIZE_BUCKETS)
        })
        .unwrap_or_else(|_| PrometheusBuilder::new());
    match builder.install_recorder() {
        Ok(handle) => handle,
        // Another recorder is installed (not by us): render an empty, private one.
        Err(_) => PrometheusBuilder::new().build_recorder().handle(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_recorded_after_init_are_rendered() {
        let telemetry = init("test", &TelemetrySettings::default());
        metrics::counter!("telemetry_selftest_total").increment(2);
        let text = telemetry.metrics.render();
        assert!(text.contains("telemetry_selftest_total 2"), "{text}");
    }
}
