//! The all-in-one binary as a user runs it: configured by environment variables only, it
//! answers health and readiness, serves accounts end to end, and stops cleanly on SIGTERM.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::{
    net::TcpListener,
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::Value;
use testkit::TestEnv;
use tokio::process::{Child, Command};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(env: &TestEnv, port: u16, cwd: &std::path::Path) -> Child {
    let base = format!("http://127.0.0.1:{port}");
    Command::new(env!("CARGO_BIN_EXE_gophertok"))
        .current_dir(cwd)
        .env("GOPHERTOK__NATS__URL", env.nats.url())
        .env("GOPHERTOK__MYSQL__URL", &env.db.url)
        .env("GOPHERTOK__REDIS__URL", &env.settings.redis.url)
        .env("GOPHERTOK__REDIS__PREFIX", &env.settings.redis.prefix)
        .env("GOPHERTOK__EDGE__LISTEN", format!("127.0.0.1:{port}"))
        .env("GOPHERTOK__EDGE__PUBLIC_BASE_URL", &base)
        .env("GOPHERTOK__DATA_DIR", cwd.join("data"))
        .env("GOPHERTOK__TELEMETRY__LOG_FILTER", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Starts the all-in-one on a free port and waits until it answers `/healthz`. The port is
/// chosen here and freed before the child binds it, so another process may take it in
/// between: a child that exits before it answers is started again on another port.
async fn start(env: &TestEnv, cwd: &std::path::Path, http: &reqwest::Client) -> (Child, String) {
    for _ in 0..3 {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = spawn(env, port, cwd);
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

#[tokio::test]
async fn the_all_in_one_serves_accounts_and_stops_cleanly_on_sigterm() {
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (mut child, base) = start(&env, cwd.path(), &http).await;

    let ready: Value = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status_code"], 0, "{ready}");
    for dependency in ["nats", "mysql", "redis"] {
        assert_eq!(ready["checks"][dependency], "ok", "{ready}");
    }

    let registered: Value = http
        .post(format!(
            "{base}/douyin/user/register/?username=aio&password=secret1"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["status_code"], 0, "{registered}");
    let token = registered["token"].as_str().unwrap();
    let info: Value = http
        .get(format!("{base}/douyin/user/"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["user"]["name"], "aio", "{info}");
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(
        metrics.contains(r#"route="/douyin/user/register/""#),
        "{metrics}"
    );

    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().await;
    assert!(killed.unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the all-in-one did not stop within 20 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "exit status {status}");
}
