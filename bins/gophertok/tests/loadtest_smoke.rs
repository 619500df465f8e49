//! The bundled load scripts still work: a small data set is seeded through the seed code,
//! every k6 script runs once at a low rate against the real all-in-one, and each must end
//! with every check passed and no failed request; then every sampled count the API answers
//! equals MySQL's. Skipped (visibly) only when `GOPHERTOK_K6_BIN` is unset; `.ci/gt` sets it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::{path::Path, time::Duration};

use loadtest::{manifest::Manifest, seed::Plan, verify};
use testkit::TestEnv;

/// Every script of loadtest/k6.
const SCRIPTS: [&str; 6] = ["healthz", "feed", "like", "chat_poll", "mix", "journeys"];

fn small_plan(out: &Path) -> Plan {
    Plan {
        users: 60,
        videos: 300,
        likes: 600,
        follows: 200,
        comments: 200,
        conversations: 20,
        messages: 60,
        celebrity_followers: 40,
        celebrity_likes: 100,
        logins: 5,
        sample_videos: 100,
        media_files: 2,
        out: out.to_path_buf(),
        ..Plan::default()
    }
}

/// Runs one script at 2 iterations/s for 3 s; its thresholds (`checks` rate == 1,
/// `http_req_failed` rate == 0) make k6 exit non-zero on any failed check or request.
/// Dropped iterations depend on this machine's speed, so they are not held against it.
async fn run_k6(k6: &str, script: &str, base: &str, manifest: &Path) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../loadtest/k6");
    let output = tokio::process::Command::new(k6)
        .args(["run", "--quiet", "--no-usage-report"])
        .arg(dir.join(format!("{script}.js")))
        .env("BASE_URL", base)
        .env("MANIFEST", manifest)
        .env("RATE", "2")
        .env("DURATION", "3s")
        .env("LOGINS", "5")
        .env("MAX_DROPPED", "1000000")
        .env("K6_LOG_FAILURES", "1")
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|err| format!("{script}: running {k6}: {err}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{script}.js exited {}:\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

#[tokio::test]
async fn every_load_script_runs_clean_against_a_seeded_all_in_one() {
    let Ok(k6) = std::env::var("GOPHERTOK_K6_BIN") else {
        eprintln!("SKIPPED: GOPHERTOK_K6_BIN is unset (bash .ci/gt services installs k6)");
        return;
    };
    let env = TestEnv::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let manifest_path = dir.path().join("seed.json");
    let manifest: Manifest = loadtest::seed::run(&env.settings, &small_plan(&manifest_path))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    // A slow rebuild on a busy machine must not turn into a 504: this test checks that the
    // scripts and the answers are right, not how fast they come.
    let mut extra = vec![
        ("GOPHERTOK__NATS__REQUEST_TIMEOUT_MS", "30000"),
        (
            "GOPHERTOK__MEDIA__NATS_BUCKET",
            env.settings.media.nats_bucket.as_str(),
        ),
    ];
    extra.push(support::load_test_config());
    let (_child, base) = support::start(&env, dir.path(), &http, &extra).await;

    let runs = SCRIPTS.map(|script| run_k6(&k6, script, &base, &manifest_path));
    let failures: Vec<String> = futures::future::join_all(runs)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    verify::wait_persisted(env.nats_client().await.unwrap(), Duration::from_secs(30))
        .await
        .unwrap();
    let limits = verify::Limits {
        users: 200,
        authors: 100,
    };
    let mismatches = verify::compare(&env.db.pool, &base, &manifest, limits)
        .await
        .unwrap();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
