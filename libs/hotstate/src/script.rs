//! Lua scripts sent by hash (`EVALSHA`): the body crosses the wire only when a node does not
//! know it yet. On `NOSCRIPT` the call is repeated as `EVAL`, which goes to the node owning
//! the keys and caches the script there — on a Redis Cluster `SCRIPT LOAD` would reach only
//! one node, and a restarted or failed-over node forgets its cache.

use fred::{
    prelude::{Client, ClientLike, LuaInterface},
    types::{ClusterHash, CustomCommand, FromValue},
};
use sha1::{Digest, Sha1};

pub type RedisResult<T> = Result<T, fred::error::Error>;

/// A script and its SHA-1, computed once (keep them in a `static LazyLock`).
#[derive(Debug)]
pub struct Script {
    lua: String,
    sha: String,
}

impl Script {
    pub fn new(lua: impl Into<String>) -> Self {
        let lua = lua.into();
        let sha = Sha1::digest(lua.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Self { lua, sha }
    }

    pub fn sha(&self) -> &str {
        &self.sha
    }

    /// Runs the script on `keys` (all in one slot) with `args`.
    pub async fn run<R: FromValue>(
        &self,
        redis: &Client,
        keys: Vec<String>,
        args: Vec<String>,
    ) -> RedisResult<R> {
        match redis
            .evalsha::<R, _, _, _>(self.sha.as_str(), keys.clone(), args.clone())
            .await
        {
            Err(err) if is_noscript(&err) => redis.eval(self.lua.as_str(), keys, args).await,
            other => other,
        }
    }
}

/// One script call of a pipeline: which script, its keys and arguments.
pub struct Call<'a> {
    pub script: &'a Script,
    pub keys: Vec<String>,
    pub args: Vec<String>,
}

/// Runs `calls` in one pipeline (one round trip per node touched), each call on its own
/// slot; a call whose node lacked the script is repeated on its own as `EVAL`. Results are
/// in the order of `calls`.
pub async fn run_all<R: FromValue>(redis: &Client, calls: &[Call<'_>]) -> RedisResult<Vec<R>> {
    let pipeline = redis.pipeline();
    for call in calls {
        // Fred's pipelines have no EVALSHA: sent as a custom command routed by the slot
        // of the call's keys (all in one slot).
        let slot = call.keys.first().map_or(0, |key| crate::keys::slot(key));
        let command = CustomCommand::new_static("EVALSHA", ClusterHash::Custom(slot), false);
        let mut args = vec![call.script.sha.clone(), call.keys.len().to_string()];
        args.extend(call.keys.iter().cloned());
        args.extend(call.args.iter().cloned());
        let _: () = pipeline.custom(command, args).await?;
    }
    let results: Vec<RedisResult<fred::types::Value>> = pipeline.try_all().await;
    let mut out = Vec::with_capacity(calls.len());
    for (call, result) in calls.iter().zip(results) {
        out.push(match result {
            Err(err) if is_noscript(&err) => {
                call.script
                    .run(redis, call.keys.clone(), call.args.clone())
                    .await?
            }
            other => R::from_value(other?)?,
        });
    }
    Ok(out)
}

fn is_noscript(err: &fred::error::Error) -> bool {
    err.details().starts_with("NOSCRIPT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_redis_sha1_of_the_body() {
        // `redis-cli SCRIPT LOAD "return 1"`
        assert_eq!(
            Script::new("return 1").sha(),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        );
    }
}
