//! The API fuzzed: schemathesis runs against the all-in-one (on real NATS, MariaDB and Redis)
//! from the all-in-one's own `/docs/openapi.json`. No input may cause a 5xx, every reply
//! must match its documented schema and content type (so every error is JSON whose
//! `status_code` is the non-zero HTTP status: the error schema requires 400–599), and none
//! may take longer than 5 s. The stateful phase follows the document's links from register
//! and login to the signed-in routes, so those are fuzzed with a real session too.
//! Skipped (visibly) only when `GOPHERTOK_SCHEMATHESIS_BIN` is unset; `.ci/gt` sets it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use testkit::TestEnv;

/// The checks every generated request's reply must pass.
const CHECKS: &str = "not_a_server_error,response_schema_conformance,content_type_conformance";

/// A guard against a hung run: 20 examples per route take about 100 s here, the rest is
/// headroom for a loaded CI machine.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// A token of a freshly registered user.
async fn session(http: &reqwest::Client, base: &str) -> String {
    let form = [("username", "fuzzer"), ("password", "secret1")];
    let url = format!("{base}/douyin/user/register/");
    let registered = support::json(http.post(url).form(&form)).await;
    assert_eq!(registered["status_code"], 0, "{registered}");
    registered["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn fuzzing_the_documented_api_finds_no_server_error_and_no_reply_off_its_schema() {
    let Ok(schemathesis) = std::env::var("GOPHERTOK_SCHEMATHESIS_BIN") else {
        eprintln!("SKIPPED: GOPHERTOK_SCHEMATHESIS_BIN is unset (.ci/gt services installs it)");
        return;
    };
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (_child, base) = support::start(&env, cwd.path(), &http, &[]).await;
    let bearer = format!("Authorization: Bearer {}", session(&http, &base).await);
    let run = tokio::process::Command::new(schemathesis)
        .current_dir(cwd.path())
        .env("NO_COLOR", "1")
        .arg("run")
        .arg(format!("{base}/docs/openapi.json"))
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", "20", "--seed", "1", "--workers", "2"])
        .args(["--max-response-time", "5", "--request-timeout", "10"])
        // Requests without a token parameter are signed in by this header (API.md), so every
        // phase reaches the signed-in routes' own logic, not only their 401.
        .args(["--header", &bearer])
        // An endless event stream has no reply to check and would hang each request; its
        // answers are tested in bins/edge/tests/http/message_stream.rs.
        .args(["--exclude-path", "/douyin/message/stream/"])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(RUN_LIMIT, run)
        .await
        .expect("schemathesis did not finish within 5 minutes")
        .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The report is the evidence of what was fuzzed: shown with `--nocapture`.
    eprintln!("{report}");
    assert!(output.status.success(), "schemathesis failed:\n{report}");
    // A run that never reached the signed-in routes would pass without fuzzing them.
    assert!(report.contains("Stateful"), "no stateful phase:\n{report}");
}
