//! One `redis-server` of a test's Redis Cluster, under a `sh` watchdog that stops it (and
//! removes its directory) once its stdin closes: when the [`Node`] is dropped, or when the
//! test process exits in any way. Only this process holds the pipe's write end (Rust opens
//! it close-on-exec, so no other child inherits it), so its EOF means exactly that.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// How long a dropped node may take to stop.
const STOP_DEADLINE: Duration = Duration::from_secs(5);

/// Runs `redis-server` (`$2`, arguments `$3…`) in `$1`; stops it once stdin reaches EOF.
/// The directory is removed only after a requested stop, so a node that dies on its own
/// keeps its log for the error message (and the Rust side removes the dir afterwards).
const WATCHDOG: &str = r#"dir=$1; shift
exec 3<&0
"$@" </dev/null 3<&- &
server=$!
( read -r _ <&3; : >"$dir/stopping"; kill "$server" 2>/dev/null ) &
watcher=$!
exec 3<&-
wait "$server"; status=$?
if [ -e "$dir/stopping" ]; then rm -rf "$dir"; else kill "$watcher" 2>/dev/null; fi
exit "$status""#;

pub(crate) struct Node {
    pub(crate) port: u16,
    pub(crate) dir: tempfile::TempDir,
    watchdog: Child,
    /// The write end of the watchdog's stdin: dropping it stops the node.
    lifeline: Option<ChildStdin>,
}

impl Node {
    pub(crate) fn spawn(port: u16, bus_port: u16) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("gt-redis-cluster-")
            .tempdir()?;
        let d = dir.path();
        let server = server_binary();
        let mut watchdog = Command::new("sh")
            .args(["-c", WATCHDOG, "sh"])
            .arg(d)
            .arg(&server)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--cluster-enabled",
                "yes",
                "--cluster-port",
                &bus_port.to_string(),
            ])
            .arg("--cluster-config-file")
            .arg(d.join(format!("nodes-{port}.conf")))
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(d)
            .arg("--logfile")
            .arg(d.join("redis.log"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {} under sh", server.display()))?;
        let lifeline = watchdog.stdin.take();
        Ok(Self {
            port,
            dir,
            watchdog,
            lifeline,
        })
    }

    /// Waits until the node answers PING; fails at once, with its log, if it exits.
    pub(crate) fn wait_answers(&mut self, deadline: Instant) -> anyhow::Result<()> {
        self.wait_for(deadline, &["PING"], |reply| reply.trim() == "PONG")
    }

    /// Waits until the node itself reports the whole cluster up (every slot served).
    pub(crate) fn wait_cluster_ok(&mut self, deadline: Instant) -> anyhow::Result<()> {
        self.wait_for(deadline, &["CLUSTER", "INFO"], |reply| {
            reply.contains("cluster_state:ok")
        })
    }

    fn wait_for(
        &mut self,
        deadline: Instant,
        command: &[&str],
        done: impl Fn(&str) -> bool,
    ) -> anyhow::Result<()> {
        let mut last = String::new();
        loop {
            if let Some(status) = self.watchdog.try_wait()? {
                bail!(
                    "redis-server on port {} exited with {status} (127: not found; set \
                     GOPHERTOK_REDIS_SERVER_BIN); its log ends:\n{}",
                    self.port,
                    self.log_tail()
                );
            }
            if let Some(reply) = self.cli(command) {
                if done(&reply) {
                    return Ok(());
                }
                last = reply;
            }
            if Instant::now() >= deadline {
                bail!(
                    "redis-server on port {}: no good answer to {command:?} within \
                     the start deadline; last answer: {last:?}; its log ends:\n{}",
                    self.port,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `redis-cli -p PORT COMMAND…`'s output, if it ran.
    fn cli(&self, command: &[&str]) -> Option<String> {
        let output = Command::new(cli_binary())
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(command)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn log_tail(&self) -> String {
        let mut log = String::new();
        let _ = std::fs::File::open(self.dir.path().join("redis.log"))
            .and_then(|mut file| file.read_to_string(&mut log));
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // EOF on the watchdog's stdin: it stops the server and removes the directory.
        drop(self.lifeline.take());
        let deadline = Instant::now() + STOP_DEADLINE;
        while Instant::now() < deadline {
            if !matches!(self.watchdog.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        eprintln!(
            "testkit: redis-server on port {} did not stop within {STOP_DEADLINE:?}",
            self.port
        );
    }
}

/// `GOPHERTOK_REDIS_SERVER_BIN`, else `redis-server` from PATH.
fn server_binary() -> PathBuf {
    binary("GOPHERTOK_REDIS_SERVER_BIN", "redis-server")
}

/// `GOPHERTOK_REDIS_CLI_BIN`, else `redis-cli` from PATH.
pub(crate) fn cli_binary() -> PathBuf {
    binary("GOPHERTOK_REDIS_CLI_BIN", "redis-cli")
}

fn binary(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| Path::new(name).to_path_buf(), PathBuf::from)
}
