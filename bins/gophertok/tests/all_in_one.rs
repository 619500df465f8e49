//! The all-in-one binary as a user runs it: configured by environment variables only, it
//! answers health and readiness, serves accounts end to end, and stops cleanly on SIGTERM;
//! with an OTLP endpoint set, one REST call arrives at a real receiver as one trace; a rate
//! limit, a word list and the log filter set with `gophertok config` apply to it within a
//! second.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{json, register, start, start_logged};
use testkit::{
    TestEnv,
    otlp::{Receiver, Span, attribute},
};
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

    let (_, token) = register(&http, &base, "aio").await;
    let token = token.as_str();
    let info = json(http.get(format!("{base}/douyin/user/")).bearer_auth(token)).await;
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
        let answer = json(http.get(format!("{base}/readyz"))).await;
        if answer["status_code"] == 0 || std::time::Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const FOLLOW_ROUTE: &str = "/douyin/relation/action/";

/// The edge's span of the follow, once its trace is complete: the persister's batch span,
/// which ends last, links to it.
fn follow_span(spans: &[Span]) -> Option<&Span> {
    let http = spans
        .iter()
        .find(|s| s.name == "http" && attribute(s, "route") == Some(FOLLOW_ROUTE))?;
    let batch_links = spans
        .iter()
        .filter(|s| s.name == "consumer.batch")
        .flat_map(|s| &s.links);
    batch_links
        .into_iter()
        .any(|link| link.trace_id == http.trace_id)
        .then_some(http)
}

/// The span of `trace` named `name` whose parent is `parent` (of those with `subject`, when
/// given: the edge also asks the user worker for token keys under the same span).
fn child<'a>(trace: &'a [&Span], parent: &Span, name: &str, subject: Option<&str>) -> &'a Span {
    let found = trace.iter().find(|s| {
        s.name == name
            && s.parent_span_id == parent.span_id
            && subject.is_none_or(|subject| attribute(s, "subject") == Some(subject))
    });
    found.unwrap_or_else(|| panic!("no {name} under {}: {trace:#?}", parent.name))
}

#[tokio::test]
async fn a_follow_through_the_rest_api_is_one_trace_from_the_edge_to_the_persisted_batch() {
    let env = TestEnv::start().await.unwrap();
    let receiver = Receiver::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let extra = [("GOPHERTOK__TELEMETRY__OTLP_ENDPOINT", receiver.url.as_str())];
    let (_child, base) = start(&env, cwd.path(), &http, &extra).await;
    assert_eq!(ready(&http, &base).await["status_code"], 0);
    let (_, token) = register(&http, &base, "tracer").await;
    let (followed, _) = register(&http, &base, "traced").await;

    let url = format!("{base}{FOLLOW_ROUTE}?to_user_id={followed}&action_type=1");
    let answer = json(http.post(url).bearer_auth(&token)).await;
    assert_eq!(answer["status_code"], 0, "{answer}");

    // The process exports in batches (every few seconds): wait for the whole trace.
    let within = Duration::from_secs(30);
    let spans = receiver
        .until(within, || {}, |spans| follow_span(spans).is_some())
        .await
        .unwrap();
    let root = follow_span(&spans).unwrap();
    assert!(
        root.parent_span_id.is_empty(),
        "the REST call's span is the root"
    );
    let trace: Vec<&Span> = spans
        .iter()
        .filter(|s| s.trace_id == root.trace_id)
        .collect();
    let request = child(&trace, root, "nats.request", Some("relation.v1.set"));
    let handle = child(&trace, request, "nats.handle", None);
    let publish = child(&trace, handle, "stream.publish", None);
    let linked = spans
        .iter()
        .filter(|s| s.name == "consumer.batch")
        .flat_map(|s| &s.links)
        .any(|link| (&link.trace_id, &link.span_id) == (&root.trace_id, &publish.span_id));
    assert!(linked, "the persister's batch links to the event's publish");
}

/// `gophertok config <args>` against `env`'s NATS, as an operator runs it.
async fn config_cli(env: &TestEnv, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_gophertok"))
        .arg("config")
        .args(args)
        .env_remove(settings::CONFIG_FILE_ENV)
        .envs(env.nats_env())
        .env("GOPHERTOK__TELEMETRY__LOG_FILTER", "warn")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "config {args:?}: {stderr}");
}

/// How soon after `since` a probe showed the change (probes start every 50 ms for 1.5 s,
/// whatever the earlier ones take: `testkit::first_seen`).
async fn seen_after<F, Fut>(since: std::time::Instant, probe: F) -> Duration
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let every = Duration::from_millis(50);
    let seen = testkit::first_seen(since, every, 30, probe).await;
    seen.expect("no probe showed the change")
}

#[tokio::test]
async fn a_rate_limit_and_a_word_list_set_with_the_cli_apply_to_the_running_all_in_one_within_a_second()
 {
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (_child, base) = start(&env, cwd.path(), &http, &[]).await;
    let (_, token) = register(&http, &base, "wordy").await;
    let (peer, _) = register(&http, &base, "reader").await;

    config_cli(&env, &["set", "filter.words", "banana"]).await;
    let set = std::time::Instant::now();
    // Each probe sends its own text and reads back how it was stored.
    let masked = seen_after(set, |n| {
        let (http, base, token) = (&http, &base, &token);
        async move {
            let text = format!("banana {n}");
            let send = format!("{base}/douyin/message/action/?to_user_id={peer}&action_type=1");
            let form = [("content", text.as_str())];
            let sent = json(http.post(send).bearer_auth(token).form(&form)).await;
            assert_eq!(sent["status_code"], 0, "{sent}");
            let read = format!("{base}/douyin/message/chat/?to_user_id={peer}&pre_msg_time=0");
            let page = json(http.get(read).bearer_auth(token)).await;
            let mine = page["message_list"].as_array().unwrap().iter().find(|m| {
                let content = m["content"].as_str().unwrap();
                content.ends_with(&format!(" {n}")) && content.len() == text.len()
            });
            mine.unwrap()["content"]
                .as_str()
                .unwrap()
                .starts_with("******")
        }
    })
    .await;
    assert!(
        masked <= Duration::from_secs(1),
        "the word list took {masked:?}"
    );

    config_cli(
        &env,
        &[
            "set",
            "edge.limits.per_ip",
            r#"{"per_second": 0.01, "burst": 3}"#,
        ],
    )
    .await;
    let set = std::time::Instant::now();
    let limited = seen_after(set, |_| async {
        let answer = http.get(format!("{base}/healthz")).send().await.unwrap();
        answer.status() == reqwest::StatusCode::TOO_MANY_REQUESTS
    })
    .await;
    eprintln!("seen: the word list after {masked:?}, the rate limit after {limited:?}");
    assert!(
        limited <= Duration::from_secs(1),
        "the rate limit took {limited:?}"
    );
}

#[tokio::test]
async fn a_log_filter_set_with_the_cli_applies_to_the_running_all_in_one_within_a_second() {
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    // `start` runs it at `warn`: info lines are not written. Plain text, to search it.
    let extra = [("NO_COLOR", "1")];
    let (_child, base, logs) = start_logged(&env, cwd.path(), &http, &extra).await;
    let logged = |needle: &str| logs.lock().unwrap().iter().any(|l| l.contains(needle));
    let (quiet, _) = register(&http, &base, "quiet").await;

    config_cli(&env, &["set", "telemetry.log_filter", "info"]).await;
    let set = std::time::Instant::now();
    // Each instance logs the change at info once it applied it: the first line that the
    // new level lets through.
    let applied = seen_after(set, |_| async {
        logged("config applied") && logged("telemetry.log_filter")
    })
    .await;
    eprintln!("seen: the log filter after {applied:?}");
    assert!(
        applied <= Duration::from_secs(1),
        "the log filter took {applied:?}"
    );
    let (loud, _) = register(&http, &base, "loud").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !logged(&format!("user_id={loud}")) {
        assert!(
            std::time::Instant::now() < deadline,
            "no info line for a registration"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !logged(&format!("user_id={quiet}")),
        "logged at info before the change"
    );
}
