//! The GopherTok processes of one scenario: the standalone worker binaries and the edge,
//! each its own OS process, two instances of every worker that has a queue group worth
//! failing over (favorite, comment, relation, chat), configured by environment variables
//! exactly as an operator would, and found next to the runner's own executable.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, bail};
use futures::StreamExt;
use tokio::process::Command;

use super::procs::{Proc, free_ports, wait_until};

/// Worker binaries and how many instances of each run.
pub const WORKERS: [(&str, usize); 6] = [
    ("user", 1),
    ("video", 1),
    ("favorite", 2),
    ("comment", 2),
    ("relation", 2),
    ("chat", 2),
];

/// Every binary the stack runs, for the "missing binary" message.
const BINARIES: [&str; 7] = [
    "user", "video", "favorite", "comment", "relation", "chat", "edge",
];

/// Where the servers of a scenario are.
pub struct Backends {
    pub nats_url: String,
    pub mysql_url: String,
    pub redis_url: String,
    /// `nats.replicas` of every process: 3 on the three-node cluster, else 1.
    pub replicas: usize,
}

pub struct Stack {
    pub edge_url: String,
    pub nats_url: String,
    bin_dir: PathBuf,
    dir: PathBuf,
    env: Vec<(String, String)>,
    procs: Vec<(String, Proc)>,
    started: usize,
}

impl Stack {
    /// Starts every worker and the edge, and waits until the edge is ready and every
    /// instance answers the service API's PING.
    pub async fn start(dir: &Path, backends: &Backends) -> anyhow::Result<Self> {
        let bin_dir = bin_dir()?;
        let [edge_port] = free_ports::<1>()?;
        let edge_url = format!("http://127.0.0.1:{edge_port}");
        let env = environment(dir, backends, edge_port);
        let mut stack = Self {
            edge_url,
            nats_url: backends.nats_url.clone(),
            bin_dir,
            dir: dir.to_path_buf(),
            env,
            procs: Vec::new(),
            started: 0,
        };
        for (name, instances) in WORKERS {
            for _ in 0..instances {
                stack.spawn(name)?;
            }
        }
        stack.spawn("edge")?;
        stack.wait_ready().await?;
        Ok(stack)
    }

    /// Starts one more instance of `name`.
    pub fn spawn(&mut self, name: &str) -> anyhow::Result<()> {
        self.started += 1;
        let mut command = Command::new(self.bin_dir.join(name));
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let log = self.dir.join(format!("{name}-{}.log", self.started));
        let proc = Proc::spawn(name, command, &log)?;
        self.procs.push((name.to_owned(), proc));
        Ok(())
    }

    /// `kill -9` of the oldest instance of `name` (the others keep serving).
    pub async fn kill9(&mut self, name: &str) -> anyhow::Result<()> {
        let at = self
            .procs
            .iter()
            .position(|(kind, _)| kind == name)
            .with_context(|| format!("no {name} instance running"))?;
        let (_, mut proc) = self.procs.remove(at);
        proc.kill9().await
    }

    /// Waits until the edge answers `/readyz` and every worker instance answers PING.
    pub async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let ready = format!("{}/readyz", self.edge_url);
        let waited = wait_until("the edge", 60, || {
            let request = http.get(&ready).timeout(Duration::from_secs(2)).send();
            async move { request.await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
        self.fail_with_exits(waited)?;
        let nats = async_nats::connect(super::fault::first(&self.nats_url)).await?;
        for (name, _) in WORKERS {
            let want = self.procs.iter().filter(|(kind, _)| kind == name).count();
            let waited = wait_until(&format!("{want} {name} instances"), 60, || {
                let nats = nats.clone();
                async move { instances(&nats, name).await >= want }
            })
            .await;
            self.fail_with_exits(waited)?;
        }
        Ok(())
    }

    /// `result`, or, if it failed, the same error with every exited process's log tail.
    fn fail_with_exits(&mut self, result: anyhow::Result<()>) -> anyhow::Result<()> {
        let Err(error) = result else { return Ok(()) };
        let exits: Vec<String> = self
            .procs
            .iter_mut()
            .filter_map(|(_, proc)| proc.check_running().err())
            .map(|error| format!("{error:#}"))
            .collect();
        bail!("{error:#}\n{}", exits.join("\n"))
    }
}

/// How many instances of `service` answer `$SRV.PING.<service>` within 300 ms.
async fn instances(nats: &async_nats::Client, service: &str) -> usize {
    let inbox = nats.new_inbox();
    let Ok(mut replies) = nats.subscribe(inbox.clone()).await else {
        return 0;
    };
    let subject = format!("$SRV.PING.{service}");
    if nats
        .publish_with_reply(subject, inbox, Default::default())
        .await
        .is_err()
    {
        return 0;
    }
    let mut count = 0;
    let window = tokio::time::sleep(Duration::from_millis(300));
    tokio::pin!(window);
    loop {
        tokio::select! {
            reply = replies.next() => match reply {
                Some(_) => count += 1,
                None => return count,
            },
            () = &mut window => return count,
        }
    }
}

/// The settings every process gets: `loadtest/server.toml` (limits far above what the
/// writers offer from one address), then the scenario's servers as `GOPHERTOK__…`.
fn environment(dir: &Path, backends: &Backends, edge_port: u16) -> Vec<(String, String)> {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/server.toml");
    let pairs = [
        ("GOPHERTOK_CONFIG", config.to_owned()),
        ("GOPHERTOK__NATS__URL", backends.nats_url.clone()),
        ("GOPHERTOK__NATS__REPLICAS", backends.replicas.to_string()),
        ("GOPHERTOK__MYSQL__URL", backends.mysql_url.clone()),
        // Eleven processes share one MariaDB of 151 connections with other users.
        ("GOPHERTOK__MYSQL__MAX_CONNECTIONS", "4".into()),
        ("GOPHERTOK__REDIS__URL", backends.redis_url.clone()),
        ("GOPHERTOK__REDIS__PREFIX", "gtf:".into()),
        (
            "GOPHERTOK__DATA_DIR",
            dir.join("data").display().to_string(),
        ),
        ("GOPHERTOK__TELEMETRY__LOG_FILTER", "warn".into()),
        // A killed persister's unacknowledged batch comes back in 5 s, not the file's wait.
        ("GOPHERTOK__PERSIST__ACK_WAIT_MS", "5000".into()),
        ("GOPHERTOK__EDGE__LISTEN", format!("127.0.0.1:{edge_port}")),
        (
            "GOPHERTOK__EDGE__PUBLIC_BASE_URL",
            format!("http://127.0.0.1:{edge_port}"),
        ),
        // An exit's first lines say why, without a backtrace burying them in the report.
        ("RUST_BACKTRACE", "0".into()),
        ("RUST_LIB_BACKTRACE", "0".into()),
        // No metrics port: the file's fixed one would clash between scenarios.
        ("GOPHERTOK__EDGE__METRICS_LISTEN", String::new()),
        // Nor admin ports: two instances of a worker would clash on the binary's default.
        ("GOPHERTOK__ADMIN__LISTEN", String::new()),
    ];
    pairs.map(|(k, v)| (k.to_owned(), v)).into()
}

/// The directory holding the worker binaries: the runner's own (`target/<profile>/`), or
/// its parent when the runner is a test binary in `target/<profile>/deps/`.
fn bin_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().context("the runner has no directory")?;
    if dir.ends_with("deps") {
        dir = dir.parent().context("deps/ has no parent")?;
    }
    let missing: Vec<&str> = BINARIES
        .into_iter()
        .filter(|name| !dir.join(name).exists())
        .collect();
    if !missing.is_empty() {
        bail!(
            "missing in {}: {}; build them first with the runner's profile: cargo build \
             -p user -p video -p favorite -p comment -p relation -p chat -p edge",
            dir.display(),
            missing.join(", ")
        );
    }
    Ok(dir.to_path_buf())
}
