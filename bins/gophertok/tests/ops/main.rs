//! Static checks of the deployment files (no Docker engine runs here, so nothing is built or
//! started): compose/compose.yml through the real Compose v2 binary, every GopherTok
//! service's environment through the real settings loader, the Prometheus configs through
//! promtool, the stack's NATS config through nats-server (locked down: it refuses clients
//! without a role's key), the Grafana dashboard against its provisioned datasources, and
//! .github/workflows through zizmor. The tools come from
//! `.ci/gt services` via GOPHERTOK_*_BIN; a missing one skips a test visibly on a laptop and
//! fails it in CI (`CI` set), so CI cannot pass without the checks.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    collections::{BTreeSet, HashMap},
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use serde_json::Value;
use settings::NatsRole;

mod compose;
mod grafana;
mod nats;
mod prometheus;
mod workflows;

/// The binaries of the GopherTok image, as compose services name them in `command`.
const BINARIES: [&str; 7] = [
    "edge", "user", "video", "favorite", "comment", "relation", "chat",
];

/// Engines the stack must run, with how many instances (services, or replicas of one).
const ENGINES: [(&str, usize); 14] = [
    ("nats:", 3),
    ("mysql:", 2),
    ("redis:", 1),
    ("scylladb/scylla:", 3),
    ("minio/minio:", 1),
    ("otel/opentelemetry-collector", 1),
    ("jaegertracing/jaeger:", 1),
    ("prom/prometheus:", 1),
    ("grafana/grafana:", 1),
    ("grafana/loki:", 1),
    ("timberio/vector:", 1),
    ("traefik:", 1),
    ("ghcr.io/gophertok/gophertok:", 2 + 5 * 2),
    ("ghcr.io/gophertok/gophertok-ffmpeg:", 2),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The tool named by `variable` (`None`, with a visible note, only outside CI), checked to
/// exist so a wrong path fails here rather than as a confusing spawn error.
fn tool(variable: &str) -> Option<PathBuf> {
    let path = PathBuf::from(testkit::tool(variable)?);
    assert!(
        path.is_file(),
        "{variable}={} does not exist",
        path.display()
    );
    Some(path)
}

/// Runs `command` in the repository root; its stdout, or a failure with everything it said.
fn run(command: &mut Command) -> String {
    let output = command.current_dir(root()).output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{said}");
    String::from_utf8(output.stdout).unwrap()
}

fn compose(bin: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command.args([
        "-f",
        "compose/compose.yml",
        "--env-file",
        "compose/.env.example",
    ]);
    command.args(args);
    command
}

/// The stack as Compose resolves it (anchors merged, variables from .env.example).
fn resolved(bin: &Path) -> Value {
    serde_json::from_str(&run(&mut compose(bin, &["config", "--format", "json"]))).unwrap()
}

/// The same with the on-demand `tools` profile (the `admin` service) included.
fn resolved_with_tools(bin: &Path) -> Value {
    let args = ["--profile", "tools", "config", "--format", "json"];
    serde_json::from_str(&run(&mut compose(bin, &args))).unwrap()
}

/// Where every GopherTok service sends its spans (an OTLP/HTTP base URL).
const OTLP_ENDPOINT: &str = "http://otel-collector:4318";

fn services(stack: &Value) -> impl Iterator<Item = (&String, &Value)> {
    stack["services"].as_object().unwrap().iter()
}

/// The GopherTok binary a service runs, if it runs one.
fn binary(service: &Value) -> Option<&str> {
    let command = service["command"].as_array()?.first()?.as_str()?;
    BINARIES.contains(&command).then_some(command)
}

/// A service's environment as Compose resolved it.
fn environment(service: &Value) -> HashMap<String, String> {
    service["environment"]
        .as_object()
        .map(|env| {
            env.iter()
                .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().into()))
                .collect()
        })
        .unwrap_or_default()
}

/// A service's settings: its environment over `compose/gophertok/gophertok.toml`, through the
/// real loader (unknown keys, bad values and missing files fail here, not on a host).
fn settings_of(name: &str, service: &Value) -> settings::Settings {
    let file = root().join("compose/gophertok/gophertok.toml");
    settings::load_from(Some(&file), environment(service))
        .unwrap_or_else(|err| panic!("{name}: its settings do not load: {err}"))
}

fn replicas(service: &Value) -> usize {
    service["deploy"]["replicas"]
        .as_u64()
        .map_or(1, |n| n as usize)
}
