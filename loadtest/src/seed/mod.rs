//! The `seed` command as a library: fills a deployment (the one its settings name) through
//! the project's own schema and stores, and returns the manifest the load scripts read.
//!
//! Choices: MySQL rows are written directly with multi-row INSERTs in large transactions
//! (the persistence consumers would write the same rows; `seq = 0` marks them older than
//! any stream event). Redis is left cold — it holds hot state that is rebuilt from MySQL on a
//! miss, exactly as after a Redis restart; the first seconds of a run warm it. Every seeded
//! user shares one Argon2 hash of [`PASSWORD`], computed once (hashing 10k+ passwords would
//! take minutes and prove nothing).

mod bulk;
mod chat;
mod media;
pub mod plan;
mod sample;
mod shape;
mod write;
mod zipf;

use std::time::{Duration, Instant};

use anyhow::Context;
use ids::{NodeLease, Snowflake};
use settings::Settings;

pub use plan::{PASSWORD, Plan};

use crate::manifest::Manifest;

/// Seeds the deployment `settings` name with `plan`, writes the manifest to `plan.out` and
/// returns it. The database must be empty of users (a fresh deployment).
pub async fn run(settings: &Settings, plan: &Plan) -> anyhow::Result<Manifest> {
    let started = Instant::now();
    let plan = &plan.clone().normalised()?;
    let db = settings::connect_mysql(&settings.mysql).await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db)
        .await?;
    anyhow::ensure!(
        existing == 0,
        "the database already has {existing} users: seed a fresh one (point \
         GOPHERTOK__MYSQL__URL at a new database name; it is created with the schema)"
    );
    let redis = settings::connect_redis(&settings.redis).await?;
    let lease_ttl = Duration::from_secs(settings.user.node_lease_secs);
    let ids = Snowflake::new(NodeLease::acquire(redis, &settings.redis.prefix, lease_ttl).await?);
    let result = seed_with(settings, plan, &db, &ids).await;
    ids.lease().release().await;
    let manifest = result?;
    manifest.write(&plan.out)?;
    phase("total", started);
    Ok(manifest)
}

async fn seed_with(
    settings: &Settings,
    plan: &Plan,
    db: &sqlx::MySqlPool,
    ids: &Snowflake,
) -> anyhow::Result<Manifest> {
    let now_ms = now_ms();
    let t = Instant::now();
    let shape = shape::draw(plan, now_ms);
    phase("drew the data set", t);

    let t = Instant::now();
    let nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Admin,
        "loadtest-seed",
        true,
    )
    .await?;
    let store = objects::connect(&settings.media, &nats, settings.nats.replicas).await?;
    let out_dir = plan.out.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(out_dir)?;
    let sample = std::path::absolute(out_dir.join("sample.mp4"))?;
    let media = media::seed(
        db,
        store.as_ref(),
        &video::cover::Ffmpeg::new(&settings.media, &settings.video),
        plan.media_files,
        &sample,
    )
    .await
    .context("making and storing the seeded media")?;
    phase("media", t);

    let load = bulk::Loader {
        db,
        in_flight: (settings.mysql.max_connections as usize).clamp(1, 4),
    };
    let written = write::all(load, ids, plan, &shape, &media).await?;

    let t = Instant::now();
    let chat_store = ::chat::connect_store(settings).await?;
    let pairs: Vec<(i64, i64)> = written.pairs(&shape);
    let window = (now_ms - i64::from(plan.days) * 86_400_000, now_ms);
    let newest = chat::seed(
        chat_store,
        ids,
        &pairs,
        plan.messages,
        window,
        plan.rng_seed,
    )
    .await?;
    phase("messages", t);
    Ok(written.manifest(plan, &shape, &newest, sample.display().to_string(), now_ms))
}

fn phase(what: &str, since: Instant) {
    eprintln!("seed: {what}: {:.1} s", since.elapsed().as_secs_f64());
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}
