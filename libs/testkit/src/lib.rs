//! Real servers for tests: a nats-server per test on a free port with its own store
//! directory, a fresh MySQL database with the migrations applied, a unique Redis key prefix
//! (on the shared Redis or on a [`RedisCluster`] this test binary starts), and [`Settings`]
//! that point at all of them. A [`TestEnv`] deletes its Redis keys when dropped, also when
//! the test panics. A [`NatsCluster`] is three JetStream nodes, for replicated streams.

pub mod media;
mod mysql;
mod nats;
pub mod nats_auth;
mod nats_cluster;
pub mod otlp;
pub mod process;
mod proxy;
pub mod redis;
mod redis_cluster;
mod redis_node;
mod s3;

pub use mysql::{TestDb, server_url as mysql_url};
pub use nats::NatsServer;
pub use nats_cluster::NatsCluster;
pub use process::{WorkerProcess, metric};
pub use proxy::Proxy;
pub use redis_cluster::RedisCluster;
pub use s3::S3Server;

use std::{
    net::TcpListener,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use settings::Settings;

/// A name no other test (in this or a concurrent test process) is using.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// `N` distinct free loopback ports (held open together, so they differ).
pub(crate) fn free_ports<const N: usize>() -> anyhow::Result<[u16; N]> {
    let listeners = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ports = [0u16; N];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener.local_addr()?.port();
    }
    Ok(ports)
}

/// Which Redis a [`TestEnv`] points its settings at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisMode {
    /// The shared single Redis at `GOPHERTOK_TEST_REDIS_URL`.
    Single,
    /// The [`RedisCluster`] this test binary shares (started by its first user).
    Cluster,
}

/// Everything a service test needs, torn down when dropped: the server stops, the Redis keys
/// under the test's prefix are deleted (the database stays; `.ci/gt test` removes `gt_test_*`
/// databases before each run).
pub struct TestEnv {
    pub nats: NatsServer,
    pub db: TestDb,
    pub settings: Settings,
    pub data_dir: tempfile::TempDir,
    /// The Redis and prefix handed out, kept apart from `settings` (which a test may point
    /// elsewhere, e.g. at a [`Proxy`] it has cut) so the clean-up always reaches the server.
    redis_url: String,
    redis_prefix: String,
}

impl TestEnv {
    /// Starts on the shared single Redis.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_on(RedisMode::Single).await
    }

    /// Starts with its Redis keys on `mode`'s Redis.
    pub async fn start_on(mode: RedisMode) -> anyhow::Result<Self> {
        Self::start_with_nats(mode, NatsServer::start().await?).await
    }

    /// Starts on the shared single Redis, with a locked-down nats-server: every role connects
    /// with its own key and the project's permissions apply (see [`NatsServer::start_locked`]).
    pub async fn start_locked() -> anyhow::Result<Self> {
        Self::start_with_nats(RedisMode::Single, NatsServer::start_locked().await?).await
    }

    /// Starts on the shared single Redis, with a nats-server that accepts messages of at
    /// most `bytes` (replies over it must be trimmed or refused, never lost).
    pub async fn start_with_max_payload(bytes: usize) -> anyhow::Result<Self> {
        let nats = NatsServer::start_with_max_payload(bytes).await?;
        Self::start_with_nats(RedisMode::Single, nats).await
    }

    async fn start_with_nats(mode: RedisMode, nats: NatsServer) -> anyhow::Result<Self> {
        let redis_url = match mode {
            RedisMode::Single => redis_url(),
            RedisMode::Cluster => RedisCluster::shared().await?.url(),
        };
        let db = TestDb::create().await?;
        let data_dir = tempfile::tempdir()?;
        let mut settings = Settings::default();
        settings.nats.url = nats.url();
        settings.nats.request_timeout_ms = 5_000;
        settings.mysql.url = db.url.clone();
        // Small pools: a test app runs up to six workers (a pool each) beside the test's own,
        // two tests at a time per binary, against a MariaDB of 151 connections by default.
        settings.mysql.max_connections = 4;
        settings.redis.url = redis_url.clone();
        let redis_prefix = format!("{}:", unique_name("gt_test_"));
        settings.redis.prefix = redis_prefix.clone();
        settings.data_dir = data_dir.path().to_path_buf();
        settings.worker.concurrency = 64;
        settings.media.nats_bucket = "gt-test-media".into();
        if let Some(bus) = nats.bus() {
            settings.nats.credentials = bus.credentials();
            // The bucket the roles' permissions name (each test has a server of its own).
            settings.media.nats_bucket = "gophertok-media".into();
        }
        Ok(Self {
            nats,
            db,
            settings,
            data_dir,
            redis_url,
            redis_prefix,
        })
    }

    /// A NATS connection to this test's server, as the operator (admin) on a locked bus.
    pub async fn nats_client(&self) -> anyhow::Result<async_nats::Client> {
        self.nats.connect_as(settings::NatsRole::Admin).await
    }

    /// A NATS connection as `role`: a worker or edge started on it runs with that role's
    /// permissions when the bus is locked down.
    pub async fn nats_as(&self, role: settings::NatsRole) -> anyhow::Result<async_nats::Client> {
        self.nats.connect_as(role).await
    }

    /// The settings a child process needs to connect (URL and, on a locked bus, every
    /// role's credentials) as `GOPHERTOK__…` variables.
    pub fn nats_env(&self) -> Vec<(String, String)> {
        self.nats.settings_env()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        // Must not panic: this also runs while a failed test unwinds.
        if let Err(error) = redis::delete_prefix_blocking(&self.redis_url, &self.redis_prefix) {
            eprintln!(
                "testkit: Redis keys {}* were left behind: {error:#}",
                self.redis_prefix
            );
        }
    }
}

/// The Redis the tests share (keys are told apart by prefix): `GOPHERTOK_TEST_REDIS_URL`.
pub fn redis_url() -> String {
    std::env::var("GOPHERTOK_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Reads with `read` every 50 ms until it answers `want`; how long that took. Panics with
/// the last answer once `within` has passed — a wait for a condition, not a fixed sleep.
pub async fn until_eq<T, F, Fut>(within: Duration, want: &T, mut read: F) -> Duration
where
    T: PartialEq + std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let started = Instant::now();
    loop {
        let seen = read().await;
        if &seen == want {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "still {seen:?}, want {want:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How soon after `since` a change showed: `probe(n)` starts every `every`, `count` times,
/// without waiting for the earlier ones (a slow answer under load does not hold back the
/// next probe); the result is the start of the earliest probe that returned true. Probes
/// that read the changed state at their start (a request's limit, a message's masking)
/// measure the change this way, not their own duration. `None`: no probe saw it.
pub async fn first_seen<F, Fut>(
    since: Instant,
    every: Duration,
    count: u32,
    probe: F,
) -> Option<Duration>
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let probes = (0..count).map(|n| {
        let (start, seen) = (since + every * n, probe(n));
        async move {
            tokio::time::sleep_until(start.into()).await;
            let started = Instant::now();
            seen.await.then(|| started - since)
        }
    });
    let started = futures::future::join_all(probes).await;
    started.into_iter().flatten().min()
}

/// The path in the environment variable `var` (a tool `.ci/gt services` installs, e.g.
/// `GOPHERTOK_PROMTOOL_BIN`), or `None` after a visible SKIPPED line when it is unset on a
/// developer's machine. Under CI (`CI` set) a missing tool fails the test instead: a suite
/// that passes because its tools are missing proves nothing.
pub fn tool(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(path) if !path.is_empty() => Some(path),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is unset under CI; .ci/gt services installs it")
        }
        _ => {
            eprintln!("SKIPPED: {var} is unset (bash .ci/gt services installs it)");
            None
        }
    }
}
