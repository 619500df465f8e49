//! A 3-node JetStream cluster on loopback (the pinned nats-server, client and route ports
//! picked free, each node's store in one temp dir), for tests of replicated streams: kill a
//! node and check that nothing acknowledged is lost and writes go on.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use async_nats::jetstream::{self, stream};
use tokio::process::{Child, Command};

/// Forming the cluster and electing its meta leader takes a few seconds; more under load.
const START_DEADLINE: Duration = Duration::from_secs(60);
const NODES: usize = 3;

pub struct NatsCluster {
    /// `n1`… configs, `store/n1`… and `n1.log`….
    dir: tempfile::TempDir,
    client_ports: [u16; NODES],
    children: Vec<Option<Child>>,
}

impl NatsCluster {
    /// Starts three nodes and waits until the cluster accepts a 3-replica stream.
    pub async fn start() -> anyhow::Result<Self> {
        let ports = crate::free_ports::<{ 2 * NODES }>()?;
        let mut cluster = Self {
            dir: tempfile::tempdir()?,
            client_ports: [ports[0], ports[1], ports[2]],
            children: Vec::new(),
        };
        let routes = [ports[3], ports[4], ports[5]];
        for node in 0..NODES {
            let config = cluster.config(node, &routes);
            let path = cluster.dir.path().join(format!("n{}.conf", node + 1));
            std::fs::write(&path, config)?;
            let child = cluster.spawn(node, &path)?;
            cluster.children.push(Some(child));
        }
        cluster.wait_ready().await?;
        Ok(cluster)
    }

    fn config(&self, node: usize, routes: &[u16; NODES]) -> String {
        let store = self.dir.path().join("store").join(format!("n{}", node + 1));
        let others: Vec<String> = (0..NODES)
            .filter(|other| *other != node)
            .map(|other| format!("nats-route://127.0.0.1:{}", routes[other]))
            .collect();
        format!(
            "server_name: n{name}\nlisten: 127.0.0.1:{client}\n\
             jetstream {{ store_dir: \"{store}\" }}\n\
             cluster {{ name: gt-test, listen: 127.0.0.1:{route}, routes: [{others}] }}\n",
            name = node + 1,
            client = self.client_ports[node],
            store = store.display(),
            route = routes[node],
            others = others.join(", "),
        )
    }

    fn spawn(&self, node: usize, config: &std::path::Path) -> anyhow::Result<Child> {
        let bin = crate::nats::binary();
        let log = std::fs::File::create(self.dir.path().join(format!("n{}.log", node + 1)))?;
        Command::new(&bin)
            .arg("-c")
            .arg(config)
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} (set GOPHERTOK_NATS_SERVER_BIN)", bin.display()))
    }

    /// Every node's client URL, comma-separated (`nats.url`): a client given all of them
    /// fails over.
    pub fn url(&self) -> String {
        let urls: Vec<String> = (0..NODES).map(|node| self.node_url(node)).collect();
        urls.join(",")
    }

    /// Every node's address, for `async_nats::connect` (which takes no comma list).
    pub fn addrs(&self) -> Vec<async_nats::ServerAddr> {
        (0..NODES)
            .filter_map(|node| self.node_url(node).parse().ok())
            .collect()
    }

    /// Node `node`'s (0-based) client URL.
    pub fn node_url(&self, node: usize) -> String {
        format!("nats://127.0.0.1:{}", self.client_ports[node])
    }

    /// Kills node `name` (`n1`, `n2`, `n3`, as JetStream reports leaders) abruptly.
    pub async fn kill(&mut self, name: &str) -> anyhow::Result<()> {
        let node = name
            .strip_prefix('n')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=NODES).contains(n))
            .with_context(|| format!("no node {name}"))?;
        if let Some(mut child) = self.children[node - 1].take() {
            child.kill().await?;
        }
        Ok(())
    }

    /// Waits until a 3-replica stream can be created (all peers known, a meta leader).
    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            self.fail_if_exited()?;
            if self.accepts_replicated_stream().await {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "the nats cluster did not form in time; n1's log ends:\n{}",
                    self.log_tail(0)
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn accepts_replicated_stream(&self) -> bool {
        let attempt = async {
            let client = async_nats::connect(self.node_url(0)).await.ok()?;
            let js = jetstream::new(client);
            let probe = stream::Config {
                name: "CLUSTER_READY".into(),
                subjects: vec!["cluster.ready".into()],
                num_replicas: NODES,
                ..Default::default()
            };
            js.create_stream(probe).await.ok()?;
            js.delete_stream("CLUSTER_READY").await.ok()
        };
        matches!(
            tokio::time::timeout(Duration::from_secs(5), attempt).await,
            Ok(Some(_))
        )
    }

    fn fail_if_exited(&mut self) -> anyhow::Result<()> {
        for node in 0..NODES {
            if let Some(child) = self.children[node].as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "nats node n{} exited with {status}; its log ends:\n{}",
                    node + 1,
                    self.log_tail(node)
                );
            }
        }
        Ok(())
    }

    fn log_tail(&self, node: usize) -> String {
        let path = self.dir.path().join(format!("n{}.log", node + 1));
        let log = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}
