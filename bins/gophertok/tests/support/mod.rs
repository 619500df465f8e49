//! Starting the all-in-one binary for a test, as a user runs it: configured by environment
//! variables only, on a free port, answering `/healthz` before the test goes on.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    net::TcpListener,
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::Value;
use testkit::TestEnv;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

// Each test binary that includes this module uses only part of it.
#[allow(dead_code)]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(
    env: &TestEnv,
    port: u16,
    cwd: &std::path::Path,
    extra: &[(&str, &str)],
    stdout: Stdio,
) -> Child {
    let base = format!("http://127.0.0.1:{port}");
    Command::new(env!("CARGO_BIN_EXE_gophertok"))
        .current_dir(cwd)
        .envs(env.nats_env())
        .env("GOPHERTOK__MYSQL__URL", &env.db.url)
        .env("GOPHERTOK__REDIS__URL", &env.settings.redis.url)
        .env("GOPHERTOK__REDIS__PREFIX", &env.settings.redis.prefix)
        .env("GOPHERTOK__EDGE__LISTEN", format!("127.0.0.1:{port}"))
        .env("GOPHERTOK__EDGE__PUBLIC_BASE_URL", &base)
        .env("GOPHERTOK__DATA_DIR", cwd.join("data"))
        .env("GOPHERTOK__TELEMETRY__LOG_FILTER", "warn")
        // No metrics listener unless a test asks (`extra`): parallel children would clash
        // on the default port.
        .env("GOPHERTOK__EDGE__METRICS_LISTEN", "")
        .envs(extra.iter().copied())
        .stdout(stdout)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// The settings file load runs use (`loadtest/server.toml`: limits far above what the load
/// scripts offer from one address), as an `extra` variable: the smoke test runs the scripts
/// against the very configuration the load-test README tells operators to use.
#[allow(dead_code)]
pub fn load_test_config() -> (&'static str, &'static str) {
    (
        settings::CONFIG_FILE_ENV,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../loadtest/server.toml"),
    )
}

/// Starts the all-in-one on a free port and waits until it answers `/healthz`. The port is
/// chosen here and freed before the child binds it, so another process may take it in
/// between: a child that exits before it answers is started again on another port. `extra`
/// are further environment variables (settings) for the child.
pub async fn start(
    env: &TestEnv,
    cwd: &std::path::Path,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> (Child, String) {
    start_with(env, cwd, http, extra, Stdio::null).await
}

/// The log lines (stdout) of a child started by [`start_logged`], as they arrive.
#[allow(dead_code)]
pub type Logs = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// [`start`], collecting the child's log lines.
#[allow(dead_code)]
pub async fn start_logged(
    env: &TestEnv,
    cwd: &std::path::Path,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
) -> (Child, String, Logs) {
    let (mut child, base) = start_with(env, cwd, http, extra, Stdio::piped).await;
    let logs = Logs::default();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let kept = std::sync::Arc::clone(&logs);
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            kept.lock().unwrap().push(line);
        }
    });
    (child, base, logs)
}

async fn start_with(
    env: &TestEnv,
    cwd: &std::path::Path,
    http: &reqwest::Client,
    extra: &[(&str, &str)],
    stdout: fn() -> Stdio,
) -> (Child, String) {
    for _ in 0..3 {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = spawn(env, port, cwd, extra, stdout());
        if wait_healthy(&mut child, http, &base).await {
            return (child, base);
        }
    }
    panic!("the all-in-one exited before answering /healthz, three times");
}

/// True once the child answers `/healthz`; false if it exits first.
async fn wait_healthy(child: &mut Child, http: &reqwest::Client, base: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if let Ok(response) = http.get(format!("{base}/healthz")).send().await {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["status_code"], 0);
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the all-in-one did not answer /healthz within 30 s");
}

/// Sends `request` and decodes its JSON answer (whatever the status).
#[allow(dead_code)]
pub async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Registers `name` (password `secret1`) over REST: its id and token.
#[allow(dead_code)]
pub async fn register(http: &reqwest::Client, base: &str, name: &str) -> (i64, String) {
    let url = format!("{base}/douyin/user/register/?username={name}&password=secret1");
    let registered = json(http.post(url)).await;
    assert_eq!(registered["status_code"], 0, "{registered}");
    let id = registered["user_id"].as_i64().unwrap();
    (id, registered["token"].as_str().unwrap().to_owned())
}
