//! The project's Prometheus files against the real tools: `promtool` passes the alert rules'
//! unit tests and checks the local scrape config, and Debian's `prometheus`, run with that
//! config against a running all-in-one, finds every target up, loads the alert rules and
//! stores the process's own series. The tools come from `GOPHERTOK_PROMTOOL_BIN` and
//! `GOPHERTOK_PROMETHEUS_BIN` (`.ci/gt services` installs the `prometheus` package).

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use serde_json::Value;
use testkit::TestEnv;
use tokio::process::Command;

/// `compose/prometheus/`, where the rules and scrape configs live.
fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../compose/prometheus")
}

/// The address `local.yml` scrapes: the all-in-one's default `edge.metrics_listen`.
const LOCAL_TARGET: &str = "127.0.0.1:9464";

async fn promtool(bin: &str, args: &[&str]) {
    let output = Command::new(bin)
        .args(args)
        .current_dir(config_dir())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "promtool {args:?}: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn promtool_passes_the_alert_rule_tests_and_the_local_scrape_config() {
    let Some(promtool_bin) = testkit::tool("GOPHERTOK_PROMTOOL_BIN") else {
        return;
    };
    promtool(&promtool_bin, &["test", "rules", "alerts.test.yml"]).await;
    promtool(&promtool_bin, &["check", "rules", "alerts.yml"]).await;
    promtool(&promtool_bin, &["check", "config", "local.yml"]).await;
}

/// `local.yml` and the rules in `dir`, scraping `target` instead of the default address
/// (parallel tests must not share a fixed port; nothing else is changed).
fn local_config_in(dir: &Path, target: &str) -> PathBuf {
    let local = std::fs::read_to_string(config_dir().join("local.yml")).unwrap();
    assert!(
        local.contains(LOCAL_TARGET),
        "local.yml scrapes {LOCAL_TARGET}"
    );
    let path = dir.join("local.yml");
    std::fs::write(&path, local.replace(LOCAL_TARGET, target)).unwrap();
    std::fs::copy(config_dir().join("alerts.yml"), dir.join("alerts.yml")).unwrap();
    path
}

/// `GET <prometheus>/api/v1/<path>`'s `data`, or `None` while Prometheus is not answering.
async fn api(http: &reqwest::Client, base: &str, path: &str) -> Option<Value> {
    let response = http
        .get(format!("{base}/api/v1/{path}"))
        .send()
        .await
        .ok()?;
    let body: Value = response.json().await.ok()?;
    (body["status"] == "success").then(|| body["data"].clone())
}

/// Polls `read` until it answers `Some`, for at most `within`.
async fn eventually<T, Fut>(within: Duration, what: &str, mut read: impl FnMut() -> Fut) -> T
where
    Fut: Future<Output = Result<T, String>>,
{
    let started = Instant::now();
    loop {
        match read().await {
            Ok(value) => return value,
            Err(last) if started.elapsed() > within => panic!("{what}: still {last}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

#[tokio::test]
async fn prometheus_with_the_local_config_finds_every_target_of_a_running_all_in_one_up() {
    let Some(prometheus_bin) = testkit::tool("GOPHERTOK_PROMETHEUS_BIN") else {
        return;
    };
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let target = format!("127.0.0.1:{}", support::free_port());
    let extra = [("GOPHERTOK__EDGE__METRICS_LISTEN", target.as_str())];
    let (_all_in_one, _base) = support::start(&env, cwd.path(), &http, &extra).await;

    let config = local_config_in(cwd.path(), &target);
    let web = format!("127.0.0.1:{}", support::free_port());
    let _prometheus = Command::new(&prometheus_bin)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            cwd.path().join("tsdb").display()
        ))
        .arg(format!("--web.listen-address={web}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://{web}");

    // The first scrape comes within one scrape interval (5 s) of the start.
    let targets = eventually(Duration::from_secs(60), "targets up", || async {
        let data = api(&http, &base, "targets").await.ok_or("no answer")?;
        let active = data["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let all_up = !active.is_empty() && active.iter().all(|t| t["health"] == "up");
        if all_up {
            Ok(active)
        } else {
            Err(format!("{active:?}"))
        }
    })
    .await;
    assert_eq!(
        targets.len(),
        1,
        "the all-in-one is one target: {targets:?}"
    );
    assert_eq!(targets[0]["labels"]["instance"], target.as_str());

    let rules = api(&http, &base, "rules").await.unwrap();
    let mut groups: Vec<&str> = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["name"].as_str().unwrap())
        .collect();
    groups.sort_unstable();
    let want = [
        "gophertok-connections",
        "gophertok-persistence",
        "gophertok-requests",
    ];
    assert_eq!(groups, want, "alerts.yml loaded");

    // What it scraped is the process's own: its edge's NATS connection, up.
    let query = "query=nats_connected%7Bconnection%3D%22edge%22%7D";
    let value = eventually(Duration::from_secs(30), "nats_connected", || async {
        let data = api(&http, &base, &format!("query?{query}")).await;
        let value = data
            .as_ref()
            .and_then(|d| d["result"][0]["value"][1].as_str());
        value.map(str::to_owned).ok_or_else(|| format!("{data:?}"))
    })
    .await;
    assert_eq!(value, "1");
}
