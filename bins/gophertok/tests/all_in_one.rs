//! The all-in-one binary as a user runs it: configured by environment variables only, it
//! answers health and readiness, serves accounts end to end, and stops cleanly on SIGTERM.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::start;
use testkit::TestEnv;
use tokio::process::Command;

#[tokio::test]
async fn the_all_in_one_serves_accounts_and_stops_cleanly_on_sigterm() {
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let metrics_listen = format!("127.0.0.1:{}", support::free_port());
    let extra = [("GOPHERTOK__EDGE__METRICS_LISTEN", metrics_listen.as_str())];
    let (mut child, base) = start(&env, cwd.path(), &http, &extra).await;

    let ready = ready(&http, &base).await;
    assert_eq!(ready["status_code"], 0, "{ready}");
    let persisters = [
        "persist-favorite",
        "persist-comment",
        "persist-relation",
        "persist-chat",
    ];
    for dependency in ["nats", "mysql", "redis"].into_iter().chain(persisters) {
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
    let on_api = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(on_api.status(), reqwest::StatusCode::NOT_FOUND);
    let metrics = http.get(format!("http://{metrics_listen}/metrics")).send();
    let metrics = metrics.await.unwrap().text().await.unwrap();
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

/// `/readyz` once it says ready, or its last answer after 15 s: the persisters report ready
/// once they have opened their consumers, which may be a moment after `/healthz` answers.
async fn ready(http: &reqwest::Client, base: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let answer: Value = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if answer["status_code"] == 0 || std::time::Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
