//! The log filter behind a reload handle, so an operator can turn on `debug` for one crate
//! on a running process (`telemetry.log_filter` in the config centre) and turn it off again.

use std::sync::OnceLock;

use tracing_subscriber::{EnvFilter, Registry, reload};

/// The installed filter's handle and the directives it started with (the base layer).
struct Reloadable {
    handle: reload::Handle<EnvFilter, Registry>,
    base: String,
}

static RELOADABLE: OnceLock<Reloadable> = OnceLock::new();

/// The start-up filter — `RUST_LOG` if valid, else `configured`, else `info` — wrapped so
/// [`set_log_filter`] can replace it.
pub(crate) fn reloadable(configured: &str) -> reload::Layer<EnvFilter, Registry> {
    let base = std::env::var("RUST_LOG")
        .ok()
        .filter(|rust_log| check_log_filter(rust_log).is_ok())
        .or_else(|| {
            check_log_filter(configured)
                .ok()
                .map(|()| configured.to_owned())
        })
        .unwrap_or_else(|| "info".to_owned());
    let filter = parse(&base).unwrap_or_else(|_| EnvFilter::new("info"));
    let (layer, handle) = reload::Layer::new(filter);
    let _ = RELOADABLE.set(Reloadable { handle, base });
    layer
}

/// Whether `directives` parse as a `tracing` filter (`info,edge=debug`), with the reason.
pub fn check_log_filter(directives: &str) -> Result<(), String> {
    parse(directives).map(drop)
}

fn parse(directives: &str) -> Result<EnvFilter, String> {
    EnvFilter::try_new(directives).map_err(|err| format!("not a log filter ({err})"))
}

/// Replaces this process's log filter with `directives`; `None` restores the start-up
/// filter. A process whose logging was installed by someone else (a test harness) has
/// nothing to replace, which is not an error.
pub fn set_log_filter(directives: Option<&str>) -> Result<(), String> {
    let Some(reloadable) = RELOADABLE.get() else {
        return Ok(());
    };
    let directives = directives.unwrap_or(&reloadable.base);
    let filter = parse(directives)?;
    reloadable
        .handle
        .reload(filter)
        .map_err(|err| format!("reloading the log filter: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_with_the_reason() {
        assert!(check_log_filter("info,edge=debug").is_ok());
        assert!(
            check_log_filter("").is_ok(),
            "empty means the default level"
        );
        let err = check_log_filter("edge=loud").unwrap_err();
        assert!(err.contains("not a log filter"), "{err}");
    }
}
