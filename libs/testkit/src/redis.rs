//! A test's slice of the shared Redis: the keys under its prefix, found page by page with
//! SCAN (never `KEYS`, which walks and blocks the whole shared keyspace), and deleted when
//! the test ends so runs do not pile keys up. On a Redis Cluster SCAN walks one node, so
//! every primary is scanned, and a DEL holds only keys of one hash slot (else CROSSSLOT).

use anyhow::Context;
use fred::prelude::{Client, ClientLike, ClusterInterface, KeysInterface};

/// Keys per SCAN page and per DEL.
const PAGE: u32 = 500;

/// How long a test's clean-up may take before it gives up (and says so).
const CLEANUP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The glob `pattern` under `prefix`: the prefix matched literally (its glob characters
/// escaped), then the pattern; `under_prefix(prefix, "*")` is every key of the prefix.
pub fn under_prefix(prefix: &str, pattern: &str) -> String {
    let mut glob = String::with_capacity(prefix.len() + pattern.len());
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            glob.push('\\');
        }
        glob.push(c);
    }
    glob.push_str(pattern);
    glob
}

/// The keys matching the glob `pattern`, on every primary of a cluster.
pub async fn scan_keys(redis: &Client, pattern: &str) -> anyhow::Result<Vec<String>> {
    if !redis.is_clustered() {
        return scan_node(redis, pattern).await;
    }
    let primaries = redis
        .cached_cluster_state()
        .context("the cluster client has no slot map")?
        .unique_primary_nodes();
    let mut keys = Vec::new();
    for primary in primaries {
        keys.extend(scan_node(&redis.with_cluster_node(primary), pattern).await?);
    }
    Ok(keys)
}

/// The keys matching `pattern` on the one server `redis` sends its commands to.
async fn scan_node(redis: &impl KeysInterface, pattern: &str) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let (next, page): (String, Vec<String>) =
            redis.scan_page(cursor, pattern, Some(PAGE), None).await?;
        keys.extend(page);
        if next == "0" {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// Deletes the keys matching the glob `pattern` and returns how many there were.
pub async fn delete_keys(redis: &Client, pattern: &str) -> anyhow::Result<usize> {
    let keys = scan_keys(redis, pattern).await?;
    let groups = if redis.is_clustered() {
        fred::util::group_by_hash_slot(keys.iter().map(String::as_str))?
            .into_values()
            .map(Vec::from)
            .collect()
    } else {
        vec![keys.iter().map(|key| key.as_str().into()).collect()]
    };
    for group in groups {
        for batch in group.chunks(PAGE as usize) {
            let _: i64 = redis.del(batch.to_vec()).await?;
        }
    }
    Ok(keys.len())
}

/// Deletes every key under `prefix` on the server at `url`, blocking until done (at most
/// [`CLEANUP_DEADLINE`]): for a `Drop`, which cannot await. It runs on a thread of its own
/// with its own runtime, because the dropping thread is usually inside the test's runtime,
/// which cannot block on another one. The client does not retry: a clean-up must never hang.
pub(crate) fn delete_prefix_blocking(url: &str, prefix: &str) -> anyhow::Result<usize> {
    let (url, pattern) = (url.to_owned(), under_prefix(prefix, "*"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            tokio::time::timeout(CLEANUP_DEADLINE, async {
                let config = fred::prelude::Config::from_url(&url)?;
                let redis = fred::types::Builder::from_config(config).build()?;
                redis.init().await?;
                let deleted = delete_keys(&redis, &pattern).await;
                let _ = redis.quit().await;
                deleted
            })
            .await
            .map_err(|_| anyhow::anyhow!("deleting {pattern} took over {CLEANUP_DEADLINE:?}"))?
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the Redis clean-up thread panicked"))?
}

/// A client of the shared test Redis (`GOPHERTOK_TEST_REDIS_URL`) for library tests that
/// need Redis alone; `None`, with a visible skip, when the variable is unset.
pub async fn single_client() -> anyhow::Result<Option<Client>> {
    let Ok(url) = std::env::var("GOPHERTOK_TEST_REDIS_URL") else {
        eprintln!("SKIPPED: GOPHERTOK_TEST_REDIS_URL is unset");
        return Ok(None);
    };
    Ok(Some(connect(url).await?))
}

/// A client of the 3-node Redis Cluster this test binary shares (started by its first
/// user).
pub async fn cluster_client() -> anyhow::Result<Client> {
    let cluster = crate::RedisCluster::shared().await?;
    connect(cluster.url()).await
}

async fn connect(url: String) -> anyhow::Result<Client> {
    let settings = settings::RedisSettings {
        url,
        prefix: String::new(),
        ..Default::default()
    };
    Ok(settings::connect_redis(&settings).await?)
}

#[cfg(test)]
mod tests {
    use super::under_prefix;

    #[test]
    fn a_prefix_is_matched_literally() {
        assert_eq!(under_prefix("gt_test_1_2_3:", "*"), "gt_test_1_2_3:*");
        assert_eq!(under_prefix("gt:", "feed:*"), "gt:feed:*");
        assert_eq!(under_prefix("a*b?[c]\\:", "*"), "a\\*b\\?\\[c\\]\\\\:*");
    }
}
