//! The servers of one scenario, all fresh: nats-server(s), a redis-server, and a database
//! (a new one on the shared MariaDB, or on a mariadbd of the scenario's own when the fault
//! stops MySQL). Dropping it stops every server it started.

use std::path::Path;

use async_nats::jetstream;
use sqlx::MySqlPool;

use super::{mariadb::MariaDb, nats::NatsNode, redis::RedisNode, stack::Backends};

/// Which NATS a scenario runs on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NatsShape {
    Single,
    /// One node whose JetStream may hold only this many bytes on disk.
    Tiny(u64),
    /// Three routed nodes; the streams are created at replicas 3 before the workers start.
    Cluster,
}

pub struct Servers {
    pub nats: Vec<NatsNode>,
    pub redis: RedisNode,
    pub mariadb: Option<MariaDb>,
    pub db: MySqlPool,
    pub backends: Backends,
}

impl Servers {
    pub async fn start(dir: &Path, nats: NatsShape, own_mysql: bool) -> anyhow::Result<Self> {
        let nodes = match nats {
            NatsShape::Single => vec![NatsNode::single(dir, 1 << 30).await?],
            NatsShape::Tiny(bytes) => vec![NatsNode::single(dir, bytes).await?],
            NatsShape::Cluster => NatsNode::cluster(dir).await?,
        };
        if nats == NatsShape::Cluster {
            create_streams_r3(&nodes[0].url()).await?;
        }
        let redis = RedisNode::start(dir).await?;
        let mariadb = match own_mysql {
            true => Some(MariaDb::start(dir).await?),
            false => None,
        };
        let server = mariadb
            .as_ref()
            .map_or_else(testkit::mysql_url, MariaDb::url);
        let name = testkit::unique_name("gt_test_faults_");
        let mysql_url = format!("{}/{name}", server.trim_end_matches('/'));
        let settings = settings::MysqlSettings {
            url: mysql_url.clone(),
            max_connections: 2,
            ..Default::default()
        };
        let db = settings::connect_mysql(&settings).await?;
        let nats_url = nodes
            .iter()
            .map(NatsNode::url)
            .collect::<Vec<_>>()
            .join(",");
        let backends = Backends {
            replicas: if nats == NatsShape::Cluster { 3 } else { 1 },
            nats_url,
            mysql_url,
            redis_url: redis.url(),
        };
        Ok(Self {
            nats: nodes,
            redis,
            mariadb,
            db,
            backends,
        })
    }
}

/// The stream files of `nats/streams/`, created at `num_replicas: 3` before any worker
/// starts, so that two instances starting together find them rather than both creating
/// them; the workers' own create-or-update (with `nats.replicas = 3`) then changes nothing.
async fn create_streams_r3(url: &str) -> anyhow::Result<()> {
    let js = jetstream::new(async_nats::connect(url).await?);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../nats/streams");
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path())?;
        let mut config: jetstream::stream::Config = serde_json::from_str(&text)?;
        config.num_replicas = 3;
        js.create_stream(config)
            .await
            .map_err(|error| anyhow::anyhow!("creating an R3 stream: {error}"))?;
    }
    Ok(())
}

/// The replicas of the FAVORITES stream and the name of its leader (the node to kill).
pub async fn favorites_leader(url: &str) -> anyhow::Result<(usize, String)> {
    let js = jetstream::new(async_nats::connect(super::fault::first(url)).await?);
    let mut stream = js
        .get_stream(contract::favorite::STREAM)
        .await
        .map_err(|error| anyhow::anyhow!("FAVORITES: {error}"))?;
    let info = stream.info().await?;
    let leader = info
        .cluster
        .as_ref()
        .and_then(|cluster| cluster.leader.clone())
        .unwrap_or_default();
    Ok((info.config.num_replicas, leader))
}
