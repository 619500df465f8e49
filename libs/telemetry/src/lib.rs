//! Process-wide telemetry: `tracing` logs (text or JSON lines), OpenTelemetry
//! spans with W3C trace-context propagation, and a Prometheus metrics recorder. Initialising
//! twice (several components in one process, or many tests) is harmless: the first wins.

mod log_filter;

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider};
use settings::TelemetrySettings;
use tracing_subscriber::{Layer, Registry, layer::SubscriberExt, util::SubscriberInitExt};

pub use log_filter::{check_log_filter, set_log_filter};

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
    // an exporter (OTLP) plugs into this provider where a collector exists.
    let provider = SdkTracerProvider::builder().build();
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
    let logs: Box<dyn Layer<Registry> + Send + Sync> = if settings.log_format == "json" {
        tracing_subscriber::fmt::layer().json().boxed()
    } else {
        let ansi = std::env::var_os("NO_COLOR").is_none();
        tracing_subscriber::fmt::layer().with_ansi(ansi).boxed()
    };
    // The log level filters the logs only: spans still reach OpenTelemetry, so trace context
    // propagates across NATS whatever the log level is.
    // A test harness may have installed a subscriber already; keeping it is fine.
    let _ = tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(otel)
        .try_init();
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
