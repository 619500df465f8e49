//! A real Redis Cluster for tests: three `redis-server --cluster-enabled yes` primaries on
//! free loopback ports, joined by `redis-cli --cluster create`, shared by every test of one
//! test binary (tests keep apart by key prefix, as on the single Redis).
//!
//! A shared cluster lives in a `static`, which Rust never drops: each node's watchdog
//! ([`crate::redis_node`]) stops it when this process exits, so no test run leaves servers
//! or temp dirs behind.

use std::{
    process::{Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::redis_node::{Node, cli_binary};

/// Primaries in the cluster (the smallest cluster `redis-cli --cluster create` accepts).
const NODES: usize = 3;

/// How long one start may take: the nodes answering, the create, every node reporting ok.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// Starts tried before giving up: a free port can be taken between choosing and binding it.
const ATTEMPTS: usize = 3;

pub struct RedisCluster {
    nodes: Vec<Node>,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::path::PathBuf;

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
