//! The faults, one per scenario: what each one breaks, how it heals, and what a pass means
//! beyond "nothing acknowledged lost, nothing twice, Redis agrees with MySQL".

use std::time::Duration;

use anyhow::Context;

use super::{
    backends::{NatsShape, Servers, favorites_leader},
    stack::Stack,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `kill -9` one instance of each doubled worker while the other serves; restart it.
    KillWorkers,
    /// `kill -9` the nats-server (JetStream on disk) and start it again on its port.
    NatsRestart,
    /// SIGSTOP the scenario's own mariadbd, SIGCONT after the outage.
    MysqlStop,
    /// FLUSHALL mid-load.
    RedisFlush,
    /// `kill -9` Redis and start it again, empty.
    RedisRestart,
    /// SIGSTOP Redis for the outage: writes must fail fast and leave nothing half-applied.
    RedisUnreachable,
    /// Fill JetStream's disk limit with a filler stream, purge it after the outage.
    StoreFull,
    /// Three nodes, streams at R3: `kill -9` the FAVORITES leader; it stays down.
    ClusterNodeKill,
}

pub const ALL: [Fault; 8] = [
    Fault::KillWorkers,
    Fault::NatsRestart,
    Fault::MysqlStop,
    Fault::RedisFlush,
    Fault::RedisRestart,
    Fault::RedisUnreachable,
    Fault::StoreFull,
    Fault::ClusterNodeKill,
];

/// The JetStream disk limit of the store-full scenario.
const TINY_STORE: u64 = 64 << 20;
const FILLER: &str = "FAULTS_FILLER";
/// A failed write slower than this did not "answer 503 quickly": the Redis command
/// time-out (`redis.command_timeout_ms`, which the stack leaves at its default) plus 1 s.
pub fn quick() -> Duration {
    let timeout = settings::Settings::default().redis.command_timeout_ms;
    Duration::from_millis(timeout) + Duration::from_secs(1)
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Self::KillWorkers => "kill -9 workers",
            Self::NatsRestart => "nats restart",
            Self::MysqlStop => "mysql stopped",
            Self::RedisFlush => "redis flush",
            Self::RedisRestart => "redis restart",
            Self::RedisUnreachable => "redis unreachable",
            Self::StoreFull => "jetstream full",
            Self::ClusterNodeKill => "cluster node kill",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        ALL.into_iter()
            .find(|fault| fault.name().replace([' ', '-'], "") == name.replace([' ', '-'], ""))
    }

    pub fn nats(self) -> NatsShape {
        match self {
            Self::StoreFull => NatsShape::Tiny(TINY_STORE),
            Self::ClusterNodeKill => NatsShape::Cluster,
            _ => NatsShape::Single,
        }
    }

    pub fn own_mysql(self) -> bool {
        self == Self::MysqlStop
    }

    /// Breaks it; returns a note for the report.
    pub async fn inject(self, servers: &mut Servers, stack: &mut Stack) -> anyhow::Result<String> {
        Ok(match self {
            Self::KillWorkers => {
                for name in ["favorite", "comment", "relation", "chat"] {
                    stack.kill9(name).await?;
                }
                "one of two favorite, comment, relation, chat killed".into()
            }
            Self::NatsRestart => {
                servers.nats[0].kill().await?;
                String::new()
            }
            Self::MysqlStop => {
                servers
                    .mariadb
                    .as_ref()
                    .context("no own MariaDB")?
                    .proc
                    .freeze()?;
                String::new()
            }
            Self::RedisFlush => {
                servers.redis.flush().await?;
                String::new()
            }
            Self::RedisRestart => {
                servers.redis.kill().await?;
                String::new()
            }
            Self::RedisUnreachable => {
                servers
                    .redis
                    .proc
                    .as_ref()
                    .context("redis not running")?
                    .freeze()?;
                String::new()
            }
            Self::StoreFull => fill(&stack.nats_url).await?,
            Self::ClusterNodeKill => {
                let (replicas, leader) = favorites_leader(&stack.nats_url).await?;
                let node = servers.nats.iter_mut().find(|n| n.name == leader);
                node.with_context(|| format!("no node {leader:?}"))?
                    .kill()
                    .await?;
                format!("FAVORITES had R{replicas}; leader {leader} killed")
            }
        })
    }

    /// Undoes it (where there is something to undo).
    pub async fn heal(self, servers: &mut Servers, stack: &mut Stack) -> anyhow::Result<()> {
        match self {
            Self::KillWorkers => {
                for name in ["favorite", "comment", "relation", "chat"] {
                    stack.spawn(name)?;
                }
            }
            Self::NatsRestart => servers.nats[0].start().await?,
            Self::MysqlStop => servers
                .mariadb
                .as_ref()
                .context("no MariaDB")?
                .proc
                .thaw()?,
            Self::RedisFlush => {}
            Self::RedisRestart => servers.redis.restart().await?,
            Self::RedisUnreachable => servers.redis.proc.as_ref().context("no redis")?.thaw()?,
            Self::StoreFull => purge(&stack.nats_url).await?,
            // The node stays down through the rest of the load and the counts: the
            // promise is that the other two carry on alone, without losing anything.
            Self::ClusterNodeKill => {}
        }
        Ok(())
    }
}

/// Publishes 512 KiB messages into a filler stream until JetStream refuses one: the store
/// is full for every stream of the account.
async fn fill(url: &str) -> anyhow::Result<String> {
    let js = async_nats::jetstream::new(async_nats::connect(first(url)).await?);
    js.get_or_create_stream(async_nats::jetstream::stream::Config {
        name: FILLER.into(),
        subjects: vec!["faults.filler".into()],
        ..Default::default()
    })
    .await
    .map_err(|error| anyhow::anyhow!("creating {FILLER}: {error}"))?;
    let chunk = bytes::Bytes::from(vec![b'x'; 512 << 10]);
    for sent in 0u64.. {
        let ack = js.publish("faults.filler", chunk.clone()).await?.await;
        if let Err(error) = ack {
            return Ok(format!(
                "store of {} MiB full after {sent} fillers: {error}",
                TINY_STORE >> 20
            ));
        }
        anyhow::ensure!(sent < 4 * (TINY_STORE >> 19), "the store never filled up");
    }
    unreachable!("the loop returns")
}

/// The first of a comma-separated server list (a client learns the rest from it).
pub fn first(urls: &str) -> &str {
    urls.split(',').next().unwrap_or(urls)
}

async fn purge(url: &str) -> anyhow::Result<()> {
    let js = async_nats::jetstream::new(async_nats::connect(first(url)).await?);
    let stream = js
        .get_stream(FILLER)
        .await
        .map_err(|error| anyhow::anyhow!("{FILLER}: {error}"))?;
    stream
        .purge()
        .await
        .map_err(|error| anyhow::anyhow!("purging {FILLER}: {error}"))?;
    Ok(())
}
