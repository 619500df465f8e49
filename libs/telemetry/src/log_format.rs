//! An event formatter that adds the current trace id to every log line: ` trace_id=…` at the
//! end of a text line, a `"trace_id"` member in a JSON one, so a log line leads to its trace.

use std::{
    fmt,
    sync::{Arc, OnceLock},
};

use opentelemetry::trace::{TraceContextExt, TraceId};
use tracing::{Event, Subscriber, dispatcher::WeakDispatch};
use tracing_subscriber::{
    fmt::{FmtContext, FormatEvent, FormatFields, format::Writer},
    registry::LookupSpan,
};

/// The subscriber the formatter belongs to, set once it is installed: building a span's
/// context needs it, and inside an event `tracing::dispatcher::get_default` gives none.
pub type DispatchSlot = Arc<OnceLock<WeakDispatch>>;

/// Wraps a formatter (`inner`) and appends the trace id of the span the event is in.
pub struct WithTraceId<F> {
    inner: F,
    json: bool,
    dispatch: DispatchSlot,
}

impl<F> WithTraceId<F> {
    /// For text lines: ` trace_id=<32 hex>` before the line break.
    pub fn text(inner: F, dispatch: DispatchSlot) -> Self {
        Self {
            inner,
            json: false,
            dispatch,
        }
    }

    /// For JSON lines: `"trace_id":"<32 hex>"` as the object's first member.
    pub fn json(inner: F, dispatch: DispatchSlot) -> Self {
        Self {
            inner,
            json: true,
            dispatch,
        }
    }
}

/// Fills `slot` with the subscriber now in effect (call outside any event, once installed).
pub fn remember_dispatch(slot: &DispatchSlot) {
    let _ = slot.set(tracing::dispatcher::get_default(|dispatch| {
        dispatch.downgrade()
    }));
}

impl<S, N, F> FormatEvent<S, N> for WithTraceId<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(trace_id) = trace_id(ctx, &self.dispatch) else {
            return self.inner.format_event(ctx, writer, event);
        };
        // Formatted into a buffer first: the id goes inside the line the inner format ends.
        // (A buffer's writer has no ANSI colours: a traced text line is plain.)
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        if self.json {
            match line.strip_prefix('{') {
                Some(rest) => write!(writer, "{{\"trace_id\":\"{trace_id}\",{rest}"),
                None => writer.write_str(&line),
            }
        } else {
            let body = line.trim_end_matches('\n');
            writeln!(writer, "{body} trace_id={trace_id}")
        }
    }
}

/// The trace id of the event's span, building the span's context if it is not built yet
/// (context activation is off, so an entered span may still be a builder).
fn trace_id<S, N>(ctx: &FmtContext<'_, S, N>, dispatch: &DispatchSlot) -> Option<TraceId>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    let span = ctx.parent_span()?;
    let dispatch = dispatch.get()?.upgrade()?;
    let context = tracing_opentelemetry::get_otel_context(&mut span.extensions_mut(), &dispatch)?;
    let id = context.span().span_context().trace_id();
    (id != TraceId::INVALID).then_some(id)
}

#[cfg(test)]
mod tests {
    use std::{
        io,
        sync::{Arc, Mutex},
    };

    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    use tracing_subscriber::{fmt, layer::SubscriberExt};

    use super::*;

    /// Log output kept in memory, to read back what a user would see.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::ErrorKind::Other)?
                .extend(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Logs one line inside a span and one outside; returns the output and the span's trace id.
    fn log_in_a_span(json: bool) -> (String, String) {
        let out = Captured::default();
        let writer = out.clone();
        let slot = DispatchSlot::default();
        let layer = fmt::layer().with_writer(move || writer.clone());
        let logs: Box<dyn tracing_subscriber::Layer<_> + Send + Sync> = if json {
            let json = fmt::format().json();
            Box::new(
                layer
                    .json()
                    .event_format(WithTraceId::json(json, slot.clone())),
            )
        } else {
            let text = fmt::format().with_ansi(false);
            Box::new(layer.event_format(WithTraceId::text(text, slot.clone())))
        };
        let tracer = SdkTracerProvider::builder().build().tracer("test");
        let otel = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_context_activation(false);
        let subscriber = tracing_subscriber::registry().with(logs).with(otel);
        let trace_id = tracing::subscriber::with_default(subscriber, || {
            remember_dispatch(&slot);
            let span = tracing::info_span!("call");
            span.in_scope(|| tracing::info!("inside the call"));
            tracing::info!("outside any call");
            span.context().span().span_context().trace_id().to_string()
        });
        let text = String::from_utf8(out.0.lock().map(|b| b.clone()).unwrap_or_default());
        (text.unwrap_or_default(), trace_id)
    }

    #[test]
    fn a_text_line_inside_a_span_ends_with_its_trace_id() {
        let (out, trace_id) = log_in_a_span(false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[0].contains("inside the call"), "{out}");
        assert!(
            lines[0].ends_with(&format!(" trace_id={trace_id}")),
            "{out}"
        );
        assert!(!lines[1].contains("trace_id"), "{out}");
    }

    #[test]
    fn a_json_line_inside_a_span_has_a_trace_id_member() {
        let (out, trace_id) = log_in_a_span(true);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].starts_with(&format!("{{\"trace_id\":\"{trace_id}\",")),
            "{out}"
        );
        assert!(lines[0].contains("inside the call"), "{out}");
        assert!(!lines[1].contains("trace_id"), "{out}");
    }
}
