//! Does more than one Redis connection help? Concurrent hot-state-shaped scripts (two keys of
//! one hash-tagged video, as a like's apply touches) through a fred `Pool` of N clients, for
//! several N, on one Redis and on a 3-node Redis Cluster that testkit starts. Run:
//! `cargo run --release -p loadtest --bin redis-bench [-- SECONDS CONCURRENCY]`; the numbers
//! go to loadtest/RESULTS.md. Keys live under a unique prefix and are deleted afterwards.

use std::time::{Duration, Instant};

use anyhow::Context;
use fred::prelude::{ClientLike, Config, LuaInterface};
use testkit::RedisCluster;

/// A like's shape: bump a counter and record the liker, both keys in the video's slot.
const APPLY: &str = "redis.call('HINCRBY', KEYS[1], 'likes', 1) \
                     redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) \
                     return redis.call('ZCARD', KEYS[2])";

const POOL_SIZES: [usize; 4] = [1, 2, 4, 8];

/// Videos the calls spread over (so a cluster's three nodes all take load).
const VIDEOS: u64 = 10_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(5), |a| a.parse())?;
    let concurrency: usize = args.next().map_or(Ok(256), |a| a.parse())?;
    let cluster = RedisCluster::shared()
        .await
        .context("starting the Redis Cluster")?;
    let targets = [
        ("one Redis", testkit::redis_url()),
        ("3-node cluster", cluster.url()),
    ];
    println!("| Redis | pool size | calls/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    for (name, url) in &targets {
        for size in POOL_SIZES {
            let run = measure(url, size, concurrency, Duration::from_secs(seconds)).await?;
            println!(
                "| {name} | {size} | {:.0} | {:.2} | {:.2} |",
                run.rate, run.p50_ms, run.p99_ms
            );
        }
    }
    Ok(())
}

struct Run {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `concurrency` tasks call [`APPLY`] back to back through one pool for `length`.
async fn measure(
    url: &str,
    size: usize,
    concurrency: usize,
    length: Duration,
) -> anyhow::Result<Run> {
    let pool = fred::types::Builder::from_config(Config::from_url(url)?).build_pool(size)?;
    pool.init().await?;
    let prefix = testkit::unique_name("gt_bench_");
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency as u64)
        .map(|task| {
            let (pool, prefix) = (pool.clone(), prefix.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut call = task;
                while started.elapsed() < length {
                    let video = call.wrapping_mul(2_654_435_761) % VIDEOS;
                    let keys = vec![
                        format!("{prefix}:{{v{video}}}:counts"),
                        format!("{prefix}:{{v{video}}}:likers"),
                    ];
                    let sent = Instant::now();
                    let _: i64 = pool
                        .eval(APPLY, keys, vec![task.to_string(), call.to_string()])
                        .await?;
                    latencies.push(sent.elapsed());
                    call += concurrency as u64;
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    cleanup(&pool, &prefix).await?;
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    Ok(Run {
        rate: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    })
}

async fn cleanup(pool: &fred::clients::Pool, prefix: &str) -> anyhow::Result<()> {
    let pattern = testkit::redis::under_prefix(prefix, "*");
    testkit::redis::delete_keys(pool.next(), &pattern).await?;
    pool.quit().await?;
    Ok(())
}
