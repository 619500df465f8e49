//! The newest message time of each conversation, kept hot in Redis, so a poll at the newest
//! time — the call every open chat makes each second — is one GET instead of a store read.
//!
//! `<prefix>chat:new:<lo>:<hi>` holds either a time in ms, at or after every acknowledged
//! message of the conversation, or a fill lease `L<token>` while one poll reads the store.
//! Why it stays correct under concurrent sends, flushes and expiry:
//! - the store makes a conversation's times rise in commit order (`ChatStore::append`), so
//!   the time of the message a send just stored is at or after every message acknowledged
//!   before it: a send, after storing and before it replies, sets the time to the max of
//!   the key's time and its own, whatever the key held (a time, a lease, nothing). A lease
//!   it overwrites voids a fill in flight, which may have read the store before this
//!   message; and an open chat's key stays known while it is in use — so polls keep
//!   answering from Redis when the store is down;
//! - a poll creates a time only when the key is missing: it takes a lease (`SET NX`), reads
//!   the conversation after the time it was asked for (a read not cut short by the page
//!   size bounds the newest time), and stores that only if its lease is still there;
//! - a time expires `ttl` after its last raise: that bounds how long one send whose raise
//!   failed (Redis down between store and raise) can be hidden from polls.

use fred::{
    prelude::{Client, Expiration, KeysInterface, LuaInterface, SetOptions},
    types::Value,
};

/// A lease outlives any store read; a filler that died leaves only this short-lived key.
const LEASE_MS: i64 = 5_000;

const FILL: &str = r"
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1";

const RAISE: &str = r"
local v = redis.call('get', KEYS[1])
if v and string.sub(v, 1, 1) ~= 'L' and tonumber(v) >= tonumber(ARGV[1]) then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1";

pub type RedisResult<T> = Result<T, fred::error::Error>;

pub struct Newest {
    redis: Client,
    prefix: String,
    ttl_secs: u64,
}

/// What Redis knows of a conversation's newest message.
#[derive(Debug, PartialEq, Eq)]
pub enum Known {
    /// Every acknowledged message is at or before this time (ms).
    At(i64),
    /// Not known; the poll holds the lease and should [`Newest::fill`] it.
    Lease(String),
    /// Not known and another poll is filling it: read the store, do not fill.
    Unknown,
}

impl Newest {
    pub fn new(redis: Client, prefix: &str, ttl_secs: u64) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
            ttl_secs,
        }
    }

    fn key(&self, a: i64, b: i64) -> String {
        let (lo, hi) = crate::store::conversation(a, b);
        format!("{}chat:new:{lo}:{hi}", self.prefix)
    }

    /// One GET when the time is known; a lease attempt when it is not.
    pub async fn known(&self, a: i64, b: i64) -> RedisResult<Known> {
        let key = self.key(a, b);
        let value: Option<String> = self.redis.get(&key).await?;
        if let Some(value) = value {
            return Ok(value.parse().map_or(Known::Unknown, Known::At));
        }
        let lease = format!("L{:016x}", rand::random::<u64>());
        let taken: Value = self
            .redis
            .set(
                &key,
                lease.as_str(),
                Some(Expiration::PX(LEASE_MS)),
                Some(SetOptions::NX),
                false,
            )
            .await?;
        Ok(if taken.is_null() {
            Known::Unknown
        } else {
            Known::Lease(lease)
        })
    }

    /// Stores `newest_ms`, learnt from a store read made after `lease` was taken, if no send
    /// came since.
    pub async fn fill(&self, a: i64, b: i64, lease: &str, newest_ms: i64) -> RedisResult<()> {
        let args = vec![
            lease.to_owned(),
            newest_ms.to_string(),
            self.ttl_secs.to_string(),
        ];
        let _: i64 = self.redis.eval(FILL, vec![self.key(a, b)], args).await?;
        Ok(())
    }

    /// Called after a message is stored, before the send replies, with the time the store
    /// gave it.
    pub async fn raise(&self, a: i64, b: i64, message_ms: i64) -> RedisResult<()> {
        let args = vec![message_ms.to_string(), self.ttl_secs.to_string()];
        let _: i64 = self.redis.eval(RAISE, vec![self.key(a, b)], args).await?;
        Ok(())
    }
}
