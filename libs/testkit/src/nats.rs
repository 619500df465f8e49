//! A nats-server child process with JetStream, on a loopback port the server picks itself and
//! its own store directory; stoppable and restartable on the same port to test outages.
//! Locked down (the project's role permissions, keys made by the test) when asked for, or for
//! every test with `GOPHERTOK_TEST_NATS_AUTH=1`.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use settings::NatsRole;
use tokio::process::{Child, Command};

use crate::nats_auth::{LockedBus, lock_all};

/// How long one start (or restart) may take, retries included.
const START_DEADLINE: Duration = Duration::from_secs(15);

pub struct NatsServer {
    port: u16,
    /// Holds `store/` (JetStream), `ports/` (the ports file) and `server.log`.
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// The largest message the server accepts, when not its default (1 MiB).
    max_payload: Option<usize>,
    /// The roles' keys when the bus is locked down.
    bus: Option<LockedBus>,
}

impl NatsServer {
    /// Starts on a port the server chooses (`-p -1`) and reports in its ports file, so no
    /// other process can take the port between choosing and binding it.
    pub async fn start() -> anyhow::Result<Self> {
        let mut server = Self::unstarted()?;
        server.boot().await?;
        Ok(server)
    }

    /// Starts locked down: only the roles of `nats/auth/users.conf` get in, each with a key
    /// made now, and each may do only what `nats/auth/roles.conf` allows.
    pub async fn start_locked() -> anyhow::Result<Self> {
        let mut server = Self::unstarted()?;
        server.bus = Some(LockedBus::generate()?);
        server.boot().await?;
        Ok(server)
    }

    /// Like [`NatsServer::start`], accepting messages of at most `bytes` (so a test reaches
    /// the limit with a few KiB of data instead of a MiB).
    pub async fn start_with_max_payload(bytes: usize) -> anyhow::Result<Self> {
        let mut server = Self::unstarted()?;
        server.max_payload = Some(bytes);
        server.boot().await?;
        Ok(server)
    }

    fn unstarted() -> anyhow::Result<Self> {
        Ok(Self {
            port: 0,
            dir: tempfile::tempdir()?,
            child: None,
            max_payload: None,
            bus: lock_all().then(LockedBus::generate).transpose()?,
        })
    }

    async fn boot(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_DEADLINE;
        self.spawn("-1")?;
        self.port = self.read_ports_file(deadline).await?;
        self.wait_ready(deadline).await
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The roles' keys, when the bus is locked down.
    pub fn bus(&self) -> Option<&LockedBus> {
        self.bus.as_ref()
    }

    /// The settings a child process needs to connect (URL and, on a locked bus, every
    /// role's credentials) as `GOPHERTOK__…` variables.
    pub fn settings_env(&self) -> Vec<(String, String)> {
        let mut vars = vec![("GOPHERTOK__NATS__URL".to_owned(), self.url())];
        vars.extend(self.bus().map(LockedBus::settings_env).unwrap_or_default());
        vars
    }

    /// Options that connect as `role` (with its key when locked down, and always with its
    /// inbox prefix), for a test that adds its own (an event callback, say).
    pub fn options_as(&self, role: NatsRole) -> async_nats::ConnectOptions {
        let options = match &self.bus {
            Some(bus) => bus.options(role),
            None => async_nats::ConnectOptions::new(),
        };
        options.custom_inbox_prefix(role.inbox_prefix())
    }

    /// A client as `role`, see [`NatsServer::options_as`].
    pub async fn connect_as(&self, role: NatsRole) -> anyhow::Result<async_nats::Client> {
        Ok(self.options_as(role).connect(self.url()).await?)
    }

    /// A client that may do anything (the admin role on a locked bus): for the tests of the
    /// library machinery, which serve and stream on subjects of their own that no service
    /// role is granted.
    pub async fn client(&self) -> anyhow::Result<async_nats::Client> {
        self.connect_as(NatsRole::Admin).await
    }

    /// What the server has logged so far (permission violations show here, for example).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Kills the server (abruptly, like a crash).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts the server (again) on the same port and store, so clients reconnect to the URL
    /// they know, and waits until it accepts clients. While the port is still taken (the old
    /// socket, or another process that grabbed it meanwhile) it retries until the deadline.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop().await;
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            self.spawn(&self.port.to_string())?;
            match self.wait_ready(deadline).await {
                Ok(()) => return Ok(()),
                // The child exited (the port was taken): try again shortly.
                Err(_) if self.child.is_none() && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn spawn(&mut self, port: &str) -> anyhow::Result<()> {
        let bin = binary();
        let log = std::fs::File::create(self.log_path())?;
        let child = Command::new(&bin)
            .args(self.config_args()?)
            .args(["-a", "127.0.0.1", "-p", port, "-js", "-sd"])
            .arg(self.dir.path().join("store"))
            .arg("--ports_file_dir")
            .arg(self.ports_dir()?)
            .envs(self.bus.iter().flat_map(LockedBus::server_env))
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| {
                format!("starting {} (set GOPHERTOK_NATS_SERVER_BIN)", bin.display())
            })?;
        self.child = Some(child);
        Ok(())
    }

    /// `-c <file>` for what only a config file can set (the command line has no max_payload
    /// and no users).
    fn config_args(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut config = String::new();
        if let Some(bytes) = self.max_payload {
            config.push_str(&format!("max_payload: {bytes}\n"));
        }
        if self.bus.is_some() {
            // nats-server resolves an include against the including file's directory, even
            // an absolute path: link the project's auth directory in beside this file.
            let link = self.dir.path().join("auth");
            if !link.exists() {
                std::os::unix::fs::symlink(LockedBus::auth_dir().canonicalize()?, &link)?;
            }
            config.push_str("include \"auth/users.conf\"\n");
        }
        if config.is_empty() {
            return Ok(Vec::new());
        }
        let file = self.dir.path().join("server.conf");
        std::fs::write(&file, config)?;
        Ok(vec!["-c".into(), file])
    }

    /// The client port from `<exe>_<pid>.ports` (`{"nats":["nats://127.0.0.1:PORT"],...}`).
    async fn read_ports_file(&mut self, deadline: Instant) -> anyhow::Result<u16> {
        let pid = self
            .child
            .as_ref()
            .and_then(Child::id)
            .context("nats-server has no pid")?;
        let dir = self.ports_dir()?;
        loop {
            if let Some(port) = port_in_ports_file(&dir, pid)? {
                return Ok(port);
            }
            self.fail_if_exited()?;
            if Instant::now() >= deadline {
                bail!(
                    "nats-server wrote no ports file in time; its log ends:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until JetStream answers; fails at once, with the log tail, if the child exits.
    async fn wait_ready(&mut self, deadline: Instant) -> anyhow::Result<()> {
        loop {
            self.fail_if_exited()?;
            if self.answers_jetstream().await {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "nats-server on port {} did not become ready; its log ends:\n{}",
                    self.port,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// JetStream answers once the server is fully up. Bounded: whatever else listens on the
    /// port (while ours has exited) must not hold the wait up.
    async fn answers_jetstream(&self) -> bool {
        let attempt = async {
            let client = self.connect_as(NatsRole::Admin).await.ok()?;
            async_nats::jetstream::new(client)
                .query_account()
                .await
                .ok()
        };
        matches!(
            tokio::time::timeout(Duration::from_secs(1), attempt).await,
            Ok(Some(_))
        )
    }

    /// An error with the server's log tail if the child has exited (and forgets the child).
    fn fail_if_exited(&mut self) -> anyhow::Result<()> {
        let Some(child) = self.child.as_mut() else {
            bail!("nats-server is not running");
        };
        if let Some(status) = child.try_wait()? {
            self.child = None;
            bail!(
                "nats-server (port {}) exited with {status}; its log ends:\n{}",
                self.port,
                self.log_tail()
            );
        }
        Ok(())
    }

    fn ports_dir(&self) -> anyhow::Result<PathBuf> {
        let dir = self.dir.path().join("ports");
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The last lines the server logged, for a failure message.
    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// On a locked bus, what the server refused goes to the test's output, so a grant missing
/// from `nats/auth/roles.conf` is named instead of showing up as a time-out.
impl Drop for NatsServer {
    fn drop(&mut self) {
        if self.bus.is_none() {
            return;
        }
        let log = self.log();
        // Logged as "Publish Violation - Subject ..." or "Subscription Violation - ...".
        let refused = log.lines().filter(|line| line.contains(" Violation - "));
        for line in refused {
            eprintln!("testkit: nats-server refused: {line}");
        }
    }
}

/// Parses the ports file of process `pid` in `dir`, if it has been written (completely).
fn port_in_ports_file(dir: &Path, pid: u32) -> anyhow::Result<Option<u16>> {
    let Some(entry) = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .find(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .ends_with(&format!("_{pid}.ports"))
        })
    else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(entry.path())?;
    let Ok(ports) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(None); // Still being written.
    };
    let url = ports["nats"][0]
        .as_str()
        .with_context(|| format!("no client URL in the ports file: {text}"))?;
    let port = url
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .with_context(|| format!("no port in {url}"))?;
    Ok(Some(port))
}

/// The pinned server `.ci/gt` installs, else `nats-server` from PATH.
pub(crate) fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("GOPHERTOK_NATS_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let local =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../var/tools/nats/bin/nats-server");
    if local.exists() {
        return local;
    }
    PathBuf::from("nats-server")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_server_that_exits_fails_the_start_at_once_with_its_log() {
        let mut server = NatsServer::unstarted().unwrap();
        // JetStream cannot use a file as its store: the server exits at start-up.
        std::fs::write(server.dir.path().join("store"), "").unwrap();
        let started = Instant::now();
        let error = server.boot().await.unwrap_err().to_string();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "noticed only after {:?}",
            started.elapsed()
        );
        assert!(error.contains("exited"), "{error}");
        assert!(
            error.contains("storage directory"),
            "no log tail in: {error}"
        );
    }
}
