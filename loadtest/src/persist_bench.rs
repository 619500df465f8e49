//! Persistence throughput of the JetStream batch consumer against the naive baseline (one
//! autocommitted INSERT per event), measured in the same run on the same MySQL, against a
//! fresh nats-server and database; then the same events again through the persister that also
//! re-applies each batch to the hot state (`hotstate::repair`), with every group loaded in
//! Redis, so each re-apply really writes (its worst case). Run: `cargo run --release -p loadtest --bin persist-bench
//! [-- EVENTS BASELINE_EVENTS]`; the numbers go to loadtest/RESULTS.md.

use std::time::{Duration, Instant};

use anyhow::Context;
use async_nats::jetstream;
use contract::favorite::{FavoriteEvent, PERSIST_CONSUMER, STREAM, event_subject};
use futures::StreamExt;
use testkit::TestEnv;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let events: u64 = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let baseline_events: u64 = args.next().map_or(Ok(5_000), |a| a.parse())?;
    let env = TestEnv::start()
        .await
        .context("starting nats-server and a database")?;
    let js = jetstream::new(env.nats_client().await?);
    favorite::ensure_streams(&js, &env.settings).await?;

    publish(&js, events).await?;
    let batched = consume(&env, &js, events).await?;
    let baseline = baseline(&env, baseline_events).await?;
    let redis = settings::connect_redis(&env.settings.redis).await?;
    let hot = favorite::hot::Hot::new(redis.clone(), &env.settings.redis.prefix);
    load_groups(&env, &hot).await?;
    publish(&js, events).await?;
    let repairing = consume_repairing(&env, &js, &hot, 2 * events).await?;
    // The last re-applies may still be in flight: give them a moment.
    let mut counted = None;
    for _ in 0..50 {
        counted = hot.counts(&[favorite::hot::FavKey::Author(1)]).await?[0];
        if counted == Some(events as i64) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM favorites WHERE video_id < 0")
        .fetch_one(&env.db.pool)
        .await?;
    println!(
        "| batch consumer ({} events, batch ≤ {}) | {:.0} events/s |",
        events, env.settings.persist.max_batch, batched
    );
    println!("| single-row INSERT baseline ({baseline_events} events) | {baseline:.0} events/s |");
    println!("| ratio | {:.1}× |", batched / baseline);
    println!(
        "| batch consumer + hot-state repair ({events} events, groups loaded) | {repairing:.0} events/s ({:+.1} %) |",
        (repairing / batched - 1.0) * 100.0
    );
    println!(
        "author's like count in Redis after the repairs: {counted:?} (expected Some({events}))"
    );
    println!("rows written by the consumer: {stored} (expected {events})");
    anyhow::ensure!(
        stored as u64 == events,
        "the consumer lost or duplicated events"
    );
    Ok(())
}

fn event(i: u64) -> FavoriteEvent {
    // Negative video ids keep the bench's rows apart from the baseline's.
    FavoriteEvent {
        user_id: (i % 1_000) as i64 + 1,
        video_id: -((i / 1_000) as i64 + 1),
        author_id: 1,
        liked: true,
        at_ms: i as i64,
    }
}

/// Fills the stream first, so the measurement is the consumer alone.
async fn publish(js: &jetstream::Context, events: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut acks = futures::stream::FuturesUnordered::new();
    for i in 0..events {
        let e = event(i);
        let payload = serde_json::to_vec(&e)?;
        let ack = js
            .publish(
                event_subject(e.author_id, e.video_id, e.user_id),
                payload.into(),
            )
            .await?;
        acks.push(std::future::IntoFuture::into_future(ack));
        if acks.len() >= 4_096 {
            acks.next().await.transpose()?;
        }
    }
    while let Some(ack) = acks.next().await {
        ack?;
    }
    eprintln!("published {events} events in {:.1?}", started.elapsed());
    Ok(())
}

/// Runs the real persister until every event is acknowledged; events per second.
async fn consume(env: &TestEnv, js: &jetstream::Context, events: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    let persister = favorite::persister(env.db.pool.clone(), js.clone(), &env.settings);
    let stream = js.get_stream(STREAM).await?;
    loop {
        let info = stream.consumer_info(PERSIST_CONSUMER).await?;
        if info.ack_floor.stream_sequence >= events {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "consumer stalled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    persister.stop().await;
    eprintln!("consumer persisted {events} events in {elapsed:.2?}");
    Ok(events as f64 / elapsed.as_secs_f64())
}

/// Every group the bench's events write to, installed empty, so each re-apply writes.
async fn load_groups(env: &TestEnv, hot: &favorite::hot::Hot) -> anyhow::Result<()> {
    use favorite::hot::FavKey;
    let users = (1..=1_000).map(FavKey::User);
    let videos = (1..=1_000).map(|v| FavKey::Video(-v));
    for key in users.chain(videos).chain([FavKey::Author(1)]) {
        hotstate::install(hot.redis(), &env.settings.hot, hot.stage(key, &[]), false).await?;
    }
    Ok(())
}

/// [`consume`] with the repairing persister, until the ack floor reaches `last`.
async fn consume_repairing(
    env: &TestEnv,
    js: &jetstream::Context,
    hot: &favorite::hot::Hot,
    last: u64,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let recent = std::sync::Arc::new(hotstate::Recent::new(&env.settings.hot));
    let persister = favorite::repairing_persister_on(
        env.db.pool.clone(),
        hot.clone(),
        recent,
        js.clone(),
        &env.settings,
    );
    let stream = js.get_stream(STREAM).await?;
    while stream
        .consumer_info(PERSIST_CONSUMER)
        .await?
        .ack_floor
        .stream_sequence
        < last
    {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "consumer stalled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    persister.stop().await;
    let events = last / 2;
    eprintln!("repairing consumer persisted {events} events in {elapsed:.2?}");
    Ok(events as f64 / elapsed.as_secs_f64())
}

/// What the consumer replaces: one autocommitted upsert per event, one at a time.
async fn baseline(env: &TestEnv, events: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    for i in 0..events {
        let e = event(i);
        sqlx::query(
            "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) \
             VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE liked = VALUES(liked)",
        )
        .bind(e.user_id)
        .bind(-e.video_id + 1_000_000_000)
        .bind(e.author_id)
        .bind(e.liked)
        .bind(i as i64 + 1)
        .bind(e.at_ms)
        .execute(&env.db.pool)
        .await?;
    }
    let elapsed = started.elapsed();
    eprintln!("baseline inserted {events} events in {elapsed:.2?}");
    Ok(events as f64 / elapsed.as_secs_f64())
}
