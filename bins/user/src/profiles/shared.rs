//! The Redis layer of the profile cache: one key per found profile, `<prefix>user:{u<id>}:
//! profile`, holding the stored row as JSON for `cache.profile_redis_ttl_secs` (so the keys
//! are bounded by the users read or registered within that time, never by the ids asked
//! for). Reads and writes are one pipeline each (one round trip per Redis node, so it works
//! on a Redis Cluster, where a multi-key MGET across slots would be refused). Redis is a
//! cache here: when it fails, the profiles come from MySQL and the error is only logged.

use fred::{
    prelude::{Client, KeysInterface},
    types::Expiration,
};
use hotstate::Group;

use crate::store::ProfileRow;

pub struct SharedProfiles {
    redis: Client,
    prefix: String,
    ttl_secs: i64,
}

impl SharedProfiles {
    pub fn new(redis: Client, prefix: &str, ttl_secs: u64) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
        }
    }

    fn key(&self, id: i64) -> String {
        Group::new(&self.prefix, "user", "u", id).key("profile")
    }

    /// The rows Redis holds among `ids`, and the ids it does not (all of them when Redis fails).
    pub async fn get(&self, ids: &[i64]) -> (Vec<ProfileRow>, Vec<i64>) {
        if ids.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let values = match self.read(ids).await {
            Ok(values) => values,
            Err(err) => {
                tracing::warn!(error = %err, "profiles not read from Redis; asking MySQL");
                return (Vec::new(), ids.to_vec());
            }
        };
        let (mut rows, mut missing) = (Vec::new(), Vec::new());
        for (id, value) in ids.iter().zip(values) {
            match value.and_then(|json| serde_json::from_str::<ProfileRow>(&json).ok()) {
                Some(row) if row.id == *id => rows.push(row),
                _ => missing.push(*id),
            }
        }
        (rows, missing)
    }

    async fn read(&self, ids: &[i64]) -> Result<Vec<Option<String>>, fred::error::Error> {
        let pipeline = self.redis.pipeline();
        for id in ids {
            let () = pipeline.get(self.key(*id)).await?;
        }
        pipeline.all().await
    }

    /// Holds `rows` for the TTL; a failure is logged (the next read asks MySQL again).
    pub async fn put(&self, rows: &[ProfileRow]) {
        if rows.is_empty() {
            return;
        }
        if let Err(err) = self.write(rows).await {
            tracing::warn!(error = %err, "profiles not written to Redis");
        }
    }

    async fn write(&self, rows: &[ProfileRow]) -> Result<(), fred::error::Error> {
        let pipeline = self.redis.pipeline();
        for row in rows {
            let json = serde_json::to_string(row).unwrap_or_default();
            let expiry = Some(Expiration::EX(self.ttl_secs));
            let () = pipeline
                .set(self.key(row.id), json, expiry, None, false)
                .await?;
        }
        let _: Vec<fred::types::Value> = pipeline.all().await?;
        Ok(())
    }
}
