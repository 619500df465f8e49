//! `gophertok config` as an operator runs it, against a real nats-server: `set` refuses a bad
//! value with the reason and a failing exit code (writing nothing), a good value shows in
//! `get`, `delete` brings back the base layer, and `watch` prints each change as it lands.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::process::Output;

use testkit::NatsServer;

struct Cli {
    nats: NatsServer,
    cwd: tempfile::TempDir,
}

impl Cli {
    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gophertok"));
        command
            .arg("config")
            .args(args)
            // No settings file: the base layer is the defaults.
            .current_dir(self.cwd.path())
            .env_remove(settings::CONFIG_FILE_ENV)
            .envs(self.nats.settings_env())
            .env("GOPHERTOK__TELEMETRY__LOG_FILTER", "warn");
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.unwrap()
    }

    /// Runs `args`, asserts success and returns stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `args`, asserts a failing exit code and returns stderr.
    async fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(!out.status.success(), "{args:?} succeeded");
        String::from_utf8(out.stderr).unwrap()
    }
}

#[tokio::test]
async fn set_refuses_bad_values_with_the_reason_and_delete_restores_the_base() {
    let cli = Cli {
        nats: NatsServer::start().await.unwrap(),
        cwd: tempfile::tempdir().unwrap(),
    };
    let zero = r#"{"per_second": 0, "burst": 5}"#;
    let err = cli.refused(&["set", "edge.limits.per_ip", zero]).await;
    assert!(err.contains("edge.limits"), "{err}");
    let err = cli.refused(&["set", "features.uploads", "maybe"]).await;
    assert!(err.contains("on or off"), "{err}");
    let err = cli.refused(&["set", "nats.url", "nats://x:4222"]).await;
    assert!(err.contains("unknown key"), "{err}");
    let err = cli.refused(&["set", "edge.limits.per_ip"]).await;
    assert!(err.contains("usage"), "{err}");
    let base = cli.ok(&["get", "edge.limits.per_ip"]).await;
    assert!(
        base.contains("\"burst\":2000"),
        "nothing was written: {base}"
    );

    cli.ok(&["set", "features.uploads", "off"]).await;
    assert_eq!(cli.ok(&["get", "features.uploads"]).await.trim(), "off");
    let all = cli.ok(&["get"]).await;
    assert!(all.contains("features.uploads = off  [bucket]"), "{all}");
    assert!(all.contains("features.registration = on  [base]"), "{all}");
    cli.ok(&["delete", "features.uploads"]).await;
    assert_eq!(cli.ok(&["get", "features.uploads"]).await.trim(), "on");
}

#[tokio::test]
async fn watch_prints_each_change_as_it_lands() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let cli = Cli {
        nats: NatsServer::start().await.unwrap(),
        cwd: tempfile::tempdir().unwrap(),
    };
    cli.ok(&["set", "features.uploads", "off"]).await;
    let mut watch = cli.command(&["watch"]);
    let mut watching = watch
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watching.stdout.take().unwrap()).lines();
    let mut next = async || {
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line());
        line.await
            .expect("watch printed nothing within 10 s")
            .unwrap()
            .unwrap()
    };
    // What is there first (the history), then each change.
    assert!(next().await.ends_with("features.uploads = off"));
    cli.ok(&["set", "filter.words", "banana\npeach"]).await;
    let words = next().await;
    assert!(
        words.starts_with('#') && words.contains("filter.words = banana"),
        "{words}"
    );
    cli.ok(&["delete", "features.uploads"]).await;
    assert!(next().await.ends_with("features.uploads deleted"));
}
