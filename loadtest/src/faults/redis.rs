//! The runner's own redis-server (never the shared one: faults flush it, kill it and stop
//! it), on a free loopback port, without persistence, as production hot state runs when a
//! restart is allowed to come back empty.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use super::procs::{Proc, binary, free_ports, wait_until};

pub struct RedisNode {
    pub port: u16,
    dir: PathBuf,
    pub proc: Option<Proc>,
}

impl RedisNode {
    pub async fn start(dir: &Path) -> anyhow::Result<Self> {
        let [port] = free_ports::<1>()?;
        let dir = dir.join("redis");
        std::fs::create_dir_all(&dir)?;
        let mut node = Self {
            port,
            dir,
            proc: None,
        };
        node.restart().await?;
        Ok(node)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again, on the same port: empty, as after a crash without AOF).
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        let bin = binary("GOPHERTOK_REDIS_SERVER_BIN", "none", "redis-server");
        let mut command = Command::new(bin);
        command
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir);
        let log = self.dir.join("redis.log");
        self.proc = Some(Proc::spawn("redis-server", command, &log)?);
        let port = self.port;
        wait_until("redis-server", 20, || async move {
            cli(port, &["PING"]).await.as_deref() == Some("PONG")
        })
        .await
    }

    pub async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut proc) = self.proc.take() {
            proc.kill9().await?;
        }
        Ok(())
    }

    /// FLUSHALL: every hot key gone at once, as after a fail-over to an empty replica.
    pub async fn flush(&self) -> anyhow::Result<()> {
        match cli(self.port, &["FLUSHALL"]).await.as_deref() {
            Some("OK") => Ok(()),
            other => anyhow::bail!("FLUSHALL answered {other:?}"),
        }
    }
}

/// `redis-cli -p PORT COMMAND…`'s trimmed output, if it ran.
async fn cli(port: u16, command: &[&str]) -> Option<String> {
    let bin = binary("GOPHERTOK_REDIS_CLI_BIN", "none", "redis-cli");
    let output = Command::new(bin)
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(command)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
