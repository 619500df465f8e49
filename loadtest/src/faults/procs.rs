//! Child processes of the fault runner: each one is a separate OS process with its own log
//! file, killed when its handle drops, and signalled by pid for the faults (SIGKILL, SIGSTOP,
//! SIGCONT) through `kill(1)`, so the runner needs no unsafe code and no libc binding.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Stdio,
};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// A running child with the log it writes to.
pub struct Proc {
    pub name: String,
    pub log: PathBuf,
    child: Child,
}

impl Proc {
    /// Starts `command` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> anyhow::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(Self {
            name: name.to_owned(),
            log: log.to_path_buf(),
            child,
        })
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child
            .id()
            .with_context(|| format!("{} has exited", self.name))
    }

    /// `kill -9`: the process gets no chance to flush, ack or say goodbye.
    pub async fn kill9(&mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }

    /// SIGSTOP: the process keeps its sockets open but answers nothing (a hung server).
    pub fn freeze(&self) -> anyhow::Result<()> {
        signal(self.pid()?, "-STOP")
    }

    /// SIGCONT after [`Proc::freeze`].
    pub fn thaw(&self) -> anyhow::Result<()> {
        signal(self.pid()?, "-CONT")
    }

    /// Fails with the log's tail if the process has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited with {status}; its log ends:\n{}",
                self.name,
                tail(&self.log)
            );
        }
        Ok(())
    }
}

fn signal(pid: u32, which: &str) -> anyhow::Result<()> {
    let status = std::process::Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .context("running kill")?;
    if !status.success() {
        bail!("kill {which} {pid} failed: {status}");
    }
    Ok(())
}

/// The last 20 lines of a log, for an error message.
pub fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// `N` distinct free loopback ports (held open together, so they differ). Another process
/// may take one before the child binds it; the children then fail to start, loudly.
pub fn free_ports<const N: usize>() -> anyhow::Result<[u16; N]> {
    let listeners = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ports = [0u16; N];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener.local_addr()?.port();
    }
    Ok(ports)
}

/// `variable`, else `fallback` if it exists, else `name` from PATH.
pub fn binary(variable: &str, fallback: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        return PathBuf::from(path);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(fallback);
    if local.exists() {
        return local;
    }
    PathBuf::from(name)
}

/// Polls `ready` every 50 ms until it answers true, failing after `seconds`.
pub async fn wait_until<F, Fut>(what: &str, seconds: u64, mut ready: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if ready().await {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    bail!("{what} not ready within {seconds} s")
}
