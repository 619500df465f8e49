//! A node id (0..128) leased in Redis for the snowflake generator: taken with `SET NX PX`,
//! renewed at a third of its lifetime, released on shutdown. An instance that cannot renew
//! in time stops minting before its lease can expire, so no two live instances share a node.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use fred::{
    prelude::{Client, KeysInterface, LuaInterface},
    types::{Expiration, SetOptions},
};

use crate::snowflake::MAX_NODES;

const RENEW: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then \
    return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then \
    return redis.call('del', KEYS[1]) else return 0 end";

#[derive(Clone)]
pub struct NodeLease {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Client,
    prefix: String,
    owner: String,
    ttl: Duration,
    /// (node id, valid until) of the lease held, if any.
    held: Mutex<Option<(u16, Instant)>>,
    stopped: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("all {MAX_NODES} snowflake node ids are leased")]
    Exhausted,
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
}

impl NodeLease {
    /// Takes a free node id and starts renewing it in the background.
    pub async fn acquire(redis: Client, prefix: &str, ttl: Duration) -> Result<Self, LeaseError> {
        let lease = Self {
            inner: Arc::new(Inner {
                redis,
                prefix: prefix.to_owned(),
                owner: format!("{:032x}", rand::random::<u128>()),
                ttl,
                held: Mutex::new(None),
                stopped: AtomicBool::new(false),
            }),
        };
        lease.take_any().await?;
        tokio::spawn(renew_loop(lease.clone()));
        Ok(lease)
    }

    /// The node id, while the lease is certainly still ours.
    pub fn node(&self) -> Option<u16> {
        let held = *self.inner.held.lock().unwrap_or_else(|p| p.into_inner());
        held.filter(|(_, until)| Instant::now() < *until)
            .map(|(node, _)| node)
    }

    /// Stops renewing and gives the node id back for the next instance.
    pub async fn release(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        let held = self
            .inner
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((node, _)) = held {
            let result: Result<i64, _> = self
                .inner
                .redis
                .eval(RELEASE, self.key(node), vec![self.inner.owner.clone()])
                .await;
            if let Err(err) = result {
                tracing::warn!(node, error = %err, "releasing node lease");
            }
        }
    }

    fn key(&self, node: u16) -> String {
        format!("{}snowflake:node:{node}", self.inner.prefix)
    }

    /// Safety margin: stop trusting the lease well before Redis would expire it.
    fn valid_until(&self, taken_at: Instant) -> Instant {
        taken_at + self.inner.ttl * 2 / 3
    }

    async fn take_any(&self) -> Result<u16, LeaseError> {
        let start = rand::random::<u16>() % MAX_NODES;
        for offset in 0..MAX_NODES {
            let node = (start + offset) % MAX_NODES;
            let taken_at = Instant::now();
            let set: Option<String> = self
                .inner
                .redis
                .set(
                    self.key(node),
                    self.inner.owner.as_str(),
                    Some(Expiration::PX(self.inner.ttl.as_millis() as i64)),
                    Some(SetOptions::NX),
                    false,
                )
                .await?;
            if set.is_some() {
                *self.inner.held.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((node, self.valid_until(taken_at)));
                tracing::info!(node, "snowflake node id leased");
                return Ok(node);
            }
        }
        Err(LeaseError::Exhausted)
    }

    async fn renew(&self) -> Result<(), LeaseError> {
        let held = *self.inner.held.lock().unwrap_or_else(|p| p.into_inner());
        let Some((node, _)) = held else {
            self.take_any().await?;
            return Ok(());
        };
        let sent_at = Instant::now();
        let renewed: i64 = self
            .inner
            .redis
            .eval(
                RENEW,
                self.key(node),
                vec![
                    self.inner.owner.clone(),
                    self.inner.ttl.as_millis().to_string(),
                ],
            )
            .await?;
        if renewed == 1 {
            *self.inner.held.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((node, self.valid_until(sent_at)));
        } else {
            tracing::error!(node, "snowflake node lease was lost; taking another");
            *self.inner.held.lock().unwrap_or_else(|p| p.into_inner()) = None;
            self.take_any().await?;
        }
        Ok(())
    }
}

async fn renew_loop(lease: NodeLease) {
    let period = lease.inner.ttl / 3;
    loop {
        tokio::time::sleep(period).await;
        if lease.inner.stopped.load(Ordering::SeqCst) {
            return;
        }
        if let Err(err) = lease.renew().await {
            tracing::warn!(error = %err, "renewing snowflake node lease");
        }
    }
}
