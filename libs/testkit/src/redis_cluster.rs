//! A real Redis Cluster for tests: three `redis-server --cluster-enabled yes` primaries on
//! free loopback ports, joined by `redis-cli --cluster create`, shared by every test of one
//! test binary (tests keep apart by key prefix, as on the single Redis).
//!
//! Each node runs under a small `sh` watchdog that holds the read end of a pipe whose write
//! end only this process holds. Dropping the [`RedisCluster`] closes the pipe; so does this
//! process exiting in any way (a shared cluster lives in a `static`, which Rust never drops).
//! Either way the watchdog stops its node and removes the node's directory, so no test run
//! leaves servers or temp dirs behind.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// Primaries in the cluster (the smallest cluster `redis-cli --cluster create` accepts).
const NODES: usize = 3;

/// How long one start may take: the nodes answering, the create, every node reporting ok.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// Starts tried before giving up: a free port can be taken between choosing and binding it.
const ATTEMPTS: usize = 3;

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

pub struct RedisCluster {
    nodes: Vec<Node>,
}

struct Node {
    port: u16,
    dir: tempfile::TempDir,
    watchdog: Child,
    /// The write end of the watchdog's stdin: dropping it stops the node.
    lifeline: Option<ChildStdin>,
}

impl RedisCluster {
    /// Starts a cluster of its own (blocking; from async code prefer [`RedisCluster::shared`]
    /// or `spawn_blocking`). Dropping it stops the nodes.
    pub fn start() -> anyhow::Result<Self> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match Self::try_start() {
                Ok(cluster) => return Ok(cluster),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("the Redis Cluster did not start")))
    }

    /// The cluster every test of this test binary shares, started by the first caller.
    /// A failed start fails every caller with the same message.
    pub async fn shared() -> anyhow::Result<&'static RedisCluster> {
        static SHARED: OnceLock<Result<RedisCluster, String>> = OnceLock::new();
        let shared = tokio::task::spawn_blocking(|| {
            SHARED.get_or_init(|| RedisCluster::start().map_err(|error| format!("{error:#}")))
        })
        .await?;
        shared.as_ref().map_err(|error| anyhow::anyhow!("{error}"))
    }

    /// The URL a fred client (and `settings.redis.url`) takes: the first node, the others as
    /// `node=` seeds.
    pub fn url(&self) -> String {
        let mut addrs = self.addrs().into_iter();
        let first = addrs.next().unwrap_or_default();
        let seeds: Vec<String> = addrs.map(|addr| format!("node={addr}")).collect();
        format!("redis-cluster://{first}?{}", seeds.join("&"))
    }

    /// `127.0.0.1:port` of every node.
    pub fn addrs(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect()
    }

    fn try_start() -> anyhow::Result<Self> {
        let deadline = Instant::now() + START_DEADLINE;
        // A client port and a cluster-bus port per node, all held open together so they
        // differ (the default bus port, port + 10000, may be taken or above 65535).
        let ports = crate::free_ports::<{ 2 * NODES }>()?;
        let nodes = ports
            .chunks(2)
            .map(|pair| Node::spawn(pair[0], pair[1]))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut cluster = Self { nodes };
        for node in &mut cluster.nodes {
            node.wait_answers(deadline)?;
        }
        cluster.create()?;
        for node in &mut cluster.nodes {
            node.wait_cluster_ok(deadline)?;
        }
        Ok(cluster)
    }

    /// Assigns the slots to the nodes (`redis-cli --cluster create`, no replicas).
    fn create(&self) -> anyhow::Result<()> {
        let output = Command::new(cli_binary())
            .arg("--cluster")
            .arg("create")
            .args(self.addrs())
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .context("running redis-cli --cluster create (set GOPHERTOK_REDIS_CLI_BIN)")?;
        if !output.status.success() {
            bail!(
                "redis-cli --cluster create failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }
}

impl Node {
    fn spawn(port: u16, bus_port: u16) -> anyhow::Result<Self> {
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
    fn wait_answers(&mut self, deadline: Instant) -> anyhow::Result<()> {
        self.wait_for(deadline, &["PING"], |reply| reply.trim() == "PONG")
    }

    /// Waits until the node itself reports the whole cluster up (every slot served).
    fn wait_cluster_ok(&mut self, deadline: Instant) -> anyhow::Result<()> {
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
                     {START_DEADLINE:?}; last answer: {last:?}; its log ends:\n{}",
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
fn cli_binary() -> PathBuf {
    binary("GOPHERTOK_REDIS_CLI_BIN", "redis-cli")
}

fn binary(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| Path::new(name).to_path_buf(), PathBuf::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_dropped_cluster_stops_its_nodes_and_leaves_no_directory() {
        let cluster = RedisCluster::start().unwrap();
        let dirs: Vec<PathBuf> = cluster
            .nodes
            .iter()
            .map(|node| node.dir.path().to_path_buf())
            .collect();
        let addrs = cluster.addrs();
        assert!(dirs.iter().all(|dir| dir.exists()));

        drop(cluster);

        for dir in &dirs {
            assert!(!dir.exists(), "{} left behind", dir.display());
        }
        for addr in &addrs {
            assert!(
                std::net::TcpStream::connect(addr).is_err(),
                "{addr} still answers"
            );
        }
    }
}
