//! Static checks of the deployment files (no Docker engine runs here, so nothing is built or
//! started): compose/compose.yml through the real Compose v2 binary, every GopherTok
//! service's environment through the real settings loader, the Prometheus configs through
//! promtool, the stack's NATS config through nats-server, the Grafana dashboard against its
//! provisioned datasources, and .github/workflows through zizmor. The tools come from
//! `.ci/gt services` via GOPHERTOK_*_BIN; a missing one skips a test visibly on a laptop and
//! fails it in CI (`CI` set), so CI cannot pass without the checks.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    collections::{BTreeSet, HashMap},
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

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

fn services(stack: &Value) -> impl Iterator<Item = (&String, &Value)> {
    stack["services"].as_object().unwrap().iter()
}

/// The GopherTok binary a service runs, if it runs one.
fn binary(service: &Value) -> Option<&str> {
    let command = service["command"].as_array()?.first()?.as_str()?;
    BINARIES.contains(&command).then_some(command)
}

fn replicas(service: &Value) -> usize {
    service["deploy"]["replicas"]
        .as_u64()
        .map_or(1, |n| n as usize)
}

#[test]
fn compose_v2_accepts_the_stack_and_refuses_it_without_its_secrets() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    run(&mut compose(&bin, &["config", "-q"]));
    let without_env = Command::new(&bin)
        .args(["-f", "compose/compose.yml", "config", "-q"])
        .env_clear()
        .current_dir(root())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&without_env.stderr);
    assert!(!without_env.status.success(), "no secrets, yet accepted");
    assert!(said.contains("required variable"), "{said}");
}

#[test]
fn every_image_is_pinned_and_every_engine_and_instance_is_there() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved(&bin);
    let mut instances: HashMap<&str, usize> = HashMap::new();
    for (name, service) in services(&stack) {
        let image = service["image"].as_str().unwrap();
        let tag = image.rsplit_once(':').map(|(_, tag)| tag);
        assert!(
            tag.is_some_and(|tag| tag != "latest" && !tag.contains('/')),
            "{name}: image {image} is not pinned to a tag"
        );
        for (prefix, _) in ENGINES {
            if image.starts_with(prefix) {
                *instances.entry(prefix).or_default() += replicas(service);
            }
        }
    }
    for (prefix, wanted) in ENGINES {
        let found = instances.get(prefix).copied().unwrap_or(0);
        assert!(
            found >= wanted,
            "{prefix}: {found} instance(s), want {wanted}"
        );
    }
    for wanted in BINARIES {
        let count: usize = services(&stack)
            .filter(|(_, service)| binary(service) == Some(wanted))
            .map(|(_, service)| replicas(service))
            .sum();
        assert!(count >= 2, "{wanted}: {count} instance(s), want 2 or more");
    }
}

#[test]
fn every_gophertok_service_has_a_health_check_and_its_settings_load() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved(&bin);
    let file = root().join("compose/gophertok/gophertok.toml");
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    for (name, service) in services(&stack) {
        let Some(binary) = binary(service) else {
            continue;
        };
        assert!(
            dockerfile.contains(&format!("target/release/{binary}")),
            "{name}: the Dockerfile does not build {binary}"
        );
        let check = &service["healthcheck"]["test"];
        assert!(check.is_array(), "{name}: no health check");
        let env: HashMap<String, String> = service["environment"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().into()))
            .collect();
        // The real loader: unknown keys, bad values and missing files fail here, not on a host.
        let settings = settings::load_from(Some(&file), env)
            .unwrap_or_else(|err| panic!("{name}: its settings do not load: {err}"));
        assert_eq!(
            settings.nats.replicas, 3,
            "{name}: streams must keep 3 copies"
        );
        assert_eq!(settings.media.store, settings::StoreKind::S3, "{name}");
        assert_eq!(
            settings.chat.store,
            settings::ChatStoreKind::Scylla,
            "{name}"
        );
        assert_eq!(
            settings.telemetry.log_format, "json",
            "{name}: Loki needs JSON lines"
        );
    }
}

#[test]
fn grafana_has_no_anonymous_access_and_no_default_password() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved(&bin);
    let grafana = &stack["services"]["grafana"]["environment"];
    assert_eq!(grafana["GF_AUTH_ANONYMOUS_ENABLED"], "false");
    assert_ne!(grafana["GF_SECURITY_ADMIN_PASSWORD"], "admin");
    let compose = std::fs::read_to_string(root().join("compose/compose.yml")).unwrap();
    assert!(compose.contains("GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_ADMIN_PASSWORD:?"));
}

#[test]
fn promtool_accepts_every_prometheus_config() {
    let Some(promtool) = tool("GOPHERTOK_PROMTOOL_BIN") else {
        return;
    };
    let dir = root().join("compose/prometheus");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // Scrape configs only; rule files are checked by `promtool check config` with them.
        if text.contains("scrape_configs:") {
            run(Command::new(&promtool)
                .arg("check")
                .arg("config")
                .arg(&path));
            checked += 1;
        }
    }
    assert!(checked >= 1, "no Prometheus config in {}", dir.display());
    let stack = std::fs::read_to_string(dir.join("prometheus.yml")).unwrap();
    for job in BINARIES {
        assert!(
            stack.contains(&format!("job_name: {job}\n")),
            "no scrape job {job}"
        );
    }
}

#[test]
fn nats_server_accepts_the_stack_cluster_config() {
    let Some(nats) = tool("GOPHERTOK_NATS_SERVER_BIN") else {
        return;
    };
    run(Command::new(nats)
        .args(["-c", "compose/nats/cluster.conf", "-t"])
        .env("NATS_SERVER_NAME", "nats-1"));
}

/// Every `"uid"` under a `"datasource"` anywhere in `value` (panels, rows, targets).
fn datasource_uids(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(uid) = map.get("datasource").and_then(|ds| ds["uid"].as_str()) {
                found.insert(uid.to_owned());
            }
            map.values().for_each(|v| datasource_uids(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| datasource_uids(v, found)),
        _ => {}
    }
}

#[test]
fn every_dashboard_panel_names_a_provisioned_datasource() {
    let grafana = root().join("compose/grafana");
    // The provisioning file is ours and flat: its `uid:` lines are the datasources' uids.
    let provisioned: BTreeSet<String> =
        std::fs::read_to_string(grafana.join("provisioning/datasources/datasources.yml"))
            .unwrap()
            .lines()
            .filter_map(|line| line.trim().strip_prefix("uid:"))
            .map(|uid| uid.trim().to_owned())
            .collect();
    assert!(provisioned.contains("prometheus") && provisioned.contains("loki"));
    let mut dashboards = 0;
    for entry in std::fs::read_dir(grafana.join("dashboards")).unwrap() {
        let path = entry.unwrap().path();
        let dashboard: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let panels = dashboard["panels"].as_array().unwrap();
        assert!(
            dashboard["uid"].is_string(),
            "{}: no fixed uid",
            path.display()
        );
        for panel in panels.iter().filter(|panel| panel["type"] != "row") {
            let mut used = BTreeSet::new();
            datasource_uids(panel, &mut used);
            assert!(
                !used.is_empty(),
                "{}: panel without datasource",
                panel["title"]
            );
            let unknown: Vec<_> = used.difference(&provisioned).collect();
            assert!(
                unknown.is_empty(),
                "{}: {unknown:?} not provisioned",
                panel["title"]
            );
        }
        dashboards += 1;
    }
    assert!(dashboards >= 1);
}

#[test]
fn the_dashboard_shows_what_an_operator_watches() {
    let text =
        std::fs::read_to_string(root().join("compose/grafana/dashboards/gophertok.json")).unwrap();
    for series in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "mesh_requests_total",
        "mesh_request_duration_seconds_bucket",
        "consumer_lag",
        "consumer_dead_letters_total",
        "cache_lookups_total",
    ] {
        assert!(
            text.contains(series),
            "the dashboard does not show {series}"
        );
    }
}

#[test]
fn zizmor_finds_nothing_in_the_workflows() {
    let Some(zizmor) = tool("GOPHERTOK_ZIZMOR_BIN") else {
        return;
    };
    // Strict: a workflow that is not valid fails, instead of being skipped with a warning.
    let report = run(Command::new(zizmor)
        .args([
            "--offline",
            "--no-progress",
            "--strict-collection",
            ".github/workflows",
        ])
        .env("NO_COLOR", "1"));
    assert!(report.contains("No findings"), "{report}");
}
