//! The web app end to end in a real browser: `tests/web/e2e.py` drives headless Chromium
//! (Debian's `chromium`, through Playwright from PyPI — never a downloaded browser) against
//! the all-in-one on real NATS, MariaDB and Redis. Screenshots of every step are kept under
//! `target/tmp/web-app/` (not committed). Skipped (visibly) only when
//! `GOPHERTOK_PLAYWRIGHT_PYTHON` or `GOPHERTOK_CHROMIUM_BIN` is unset; `.ci/gt` sets both.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use testkit::TestEnv;

/// A guard against a hung browser: the run takes about 20 s here.
const RUN_LIMIT: Duration = Duration::from_secs(240);

#[tokio::test]
async fn two_people_sign_up_publish_watch_like_comment_follow_and_chat_live_in_a_browser() {
    let (Ok(python), Ok(chromium)) = (
        std::env::var("GOPHERTOK_PLAYWRIGHT_PYTHON"),
        std::env::var("GOPHERTOK_CHROMIUM_BIN"),
    ) else {
        eprintln!(
            "SKIPPED: GOPHERTOK_PLAYWRIGHT_PYTHON or GOPHERTOK_CHROMIUM_BIN is unset (.ci/gt services installs them)"
        );
        return;
    };
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (_child, base) = support::start(&env, cwd.path(), &http, &[]).await;
    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-app");
    let _ = std::fs::remove_dir_all(&artifacts);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/web/e2e.py");
    let run = tokio::process::Command::new(python)
        .arg(script)
        .args(["--base", &base, "--chromium", &chromium])
        .arg("--artifacts")
        .arg(&artifacts)
        .args(["--gophertok", env!("CARGO_BIN_EXE_gophertok")])
        // The config centre the script switches uploads off and on in.
        .envs(env.nats_env())
        .env("GOPHERTOK__TELEMETRY__LOG_FILTER", "warn")
        .current_dir(cwd.path())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(RUN_LIMIT, run)
        .await
        .expect("the browser run did not finish within 4 minutes")
        .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{report}\nscreenshots: {}", artifacts.display());
    assert!(output.status.success(), "the browser run failed:\n{report}");
    let shots = std::fs::read_dir(&artifacts).unwrap().count();
    assert!(shots > 10, "only {shots} files in {}", artifacts.display());
}
