//! The runner's own nats-servers: one node with JetStream on disk (optionally with a tiny
//! `max_file`, for the store-full fault), or three nodes routed into a cluster on loopback.
//! Each node keeps its port and store across a restart, so clients reconnect by themselves.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use super::procs::{Proc, binary, free_ports, wait_until};

pub struct NatsNode {
    pub port: u16,
    pub name: String,
    dir: PathBuf,
    config: PathBuf,
    pub proc: Option<Proc>,
}

impl NatsNode {
    /// One node. `max_file` caps JetStream's disk store (bytes), like `nats/single.conf`'s
    /// `jetstream { max_file }`.
    pub async fn single(dir: &Path, max_file: u64) -> anyhow::Result<Self> {
        let [port] = free_ports::<1>()?;
        let jetstream = format!("jetstream {{ max_mem: 256MB, max_file: {max_file} }}\n");
        let mut node = Self::write("n0", dir, port, &jetstream)?;
        node.start().await?;
        Ok(node)
    }

    /// Three nodes of one cluster (`nats/cluster/n*.conf` style, on free loopback ports).
    pub async fn cluster(dir: &Path) -> anyhow::Result<Vec<Self>> {
        let ports = free_ports::<6>()?;
        let routes: Vec<String> = ports[3..]
            .iter()
            .map(|port| format!("nats-route://127.0.0.1:{port}"))
            .collect();
        let mut nodes = Vec::new();
        for i in 0..3 {
            let extra = format!(
                "jetstream {{ max_mem: 256MB, max_file: 1GB }}\n\
                 cluster {{ name: gtfaults, listen: 127.0.0.1:{}, routes: [{}] }}\n",
                ports[3 + i],
                routes.join(", ")
            );
            let mut node = Self::write(&format!("n{}", i + 1), dir, ports[i], &extra)?;
            node.spawn()?;
            nodes.push(node);
        }
        for node in &mut nodes {
            node.wait_ready().await?;
        }
        Ok(nodes)
    }

    fn write(name: &str, dir: &Path, port: u16, extra: &str) -> anyhow::Result<Self> {
        let dir = dir.join(name);
        std::fs::create_dir_all(&dir)?;
        let config = dir.join("server.conf");
        std::fs::write(
            &config,
            format!(
                "server_name: {name}\nlisten: 127.0.0.1:{port}\nmax_payload: 1MB\n\
                 ping_interval: \"5s\"\nping_max: 2\n{extra}"
            ),
        )?;
        Ok(Self {
            port,
            name: name.to_owned(),
            dir,
            config,
            proc: None,
        })
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let bin = binary(
            "GOPHERTOK_NATS_SERVER_BIN",
            "var/tools/nats/bin/nats-server",
            "nats-server",
        );
        let mut command = Command::new(bin);
        command
            .arg("-c")
            .arg(&self.config)
            .arg("-js")
            .arg("-sd")
            .arg(self.dir.join("store"));
        let log = self.dir.join("server.log");
        self.proc = Some(Proc::spawn(&format!("nats {}", self.name), command, &log)?);
        Ok(())
    }

    /// Starts the node and waits until its JetStream answers.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        self.spawn()?;
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let url = self.url();
        let answered = wait_until(&format!("nats {}", self.name), 30, || {
            let url = url.clone();
            async move {
                let Ok(client) = async_nats::connect(&url).await else {
                    return false;
                };
                async_nats::jetstream::new(client)
                    .query_account()
                    .await
                    .is_ok()
            }
        })
        .await;
        if let Err(error) = answered {
            let log = self.dir.join("server.log");
            anyhow::bail!("{error}; its log ends:\n{}", super::procs::tail(&log));
        }
        Ok(())
    }

    /// `kill -9` (its store stays on disk for the restart).
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut proc) = self.proc.take() {
            proc.kill9().await?;
        }
        Ok(())
    }
}
