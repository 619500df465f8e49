//! The favorite worker's hot path, timed over NATS against a fresh nats-server, database and
//! Redis prefix: a like (`favorite.v1.set`, warm keys) and a miss (`favorite.v1.list` of a
//! user never loaded, 20 stored likes), the miss once with an empty unpersisted tail and
//! once with a backlog of unpersisted events. Only the public subjects are used, so the
//! same file runs against older versions of the worker for a before/after. The video
//! service is stood in for by a responder that knows every id (the bench times favorite).
//! Run: `cargo run --release -p loadtest --bin hot-bench [-- LIKES MISSES BACKLOG]`.

use std::time::{Duration, Instant};

use anyhow::Context;
use async_nats::jetstream;
use contract::{
    favorite::{FavoriteEvent, ListFavorites, SetFavorite, event_subject},
    video::{GetVideos, VideoInfo, Videos},
};
use futures::StreamExt;
use testkit::TestEnv;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let likes: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;
    let misses: i64 = args.next().map_or(Ok(200), |a| a.parse())?;
    let backlog: usize = args.next().map_or(Ok(4_000), |a| a.parse())?;
    let env = TestEnv::start().await.context("starting the servers")?;
    let nats = env.nats_client().await?;
    tokio::spawn(videos(nats.clone()));
    let mut worker = favorite::start(&env.settings, nats.clone()).await?;
    let caller = mesh::Caller::new(nats.clone(), Duration::from_secs(30));

    let like = |i: usize| SetFavorite {
        user_id: (i % 500) as i64 + 1,
        video_id: (i % 200) as i64 + 1,
        liked: !i.is_multiple_of(3),
    };
    for i in 0..1_000 {
        caller.call(&like(i)).await?;
    }
    let like_times = time(likes, async |i| {
        caller.call(&like(i + 1_000)).await.map(|_| ())
    })
    .await?;
    report("like, warm keys (favorite.v1.set)", &like_times);

    let cold = misses_from(&env, &caller, 100_000, misses).await?;
    report("miss, empty tail (favorite.v1.list)", &cold);

    // A backlog the persistence consumer does not write yet (it waits for 5,000).
    let mut held = env.settings.clone();
    held.persist.max_batch = 5_000;
    held.persist.max_wait_ms = 600_000;
    let js = jetstream::new(nats.clone());
    let idle = favorite::persister(env.db.pool.clone(), js.clone(), &held);
    worker.replace_persister(idle).stop().await;
    publish_backlog(&js, backlog).await?;
    let behind = misses_from(&env, &caller, 200_000, misses).await?;
    report(
        &format!("miss, {backlog} unpersisted events (favorite.v1.list)"),
        &behind,
    );
    worker.shutdown().await;
    Ok(())
}

/// Times `favorite.v1.list` of `count` users from `first` on, each a miss (never loaded).
async fn misses_from(
    env: &TestEnv,
    caller: &mesh::Caller,
    first: i64,
    count: i64,
) -> anyhow::Result<Vec<Duration>> {
    insert_users(env, first, count).await?;
    time(count as usize, async |i| {
        let user_id = first + i as i64;
        caller.call(&ListFavorites { user_id }).await.map(|_| ())
    })
    .await
}

/// Answers `video.v1.get` for any id: author = id % 50 + 1.
async fn videos(nats: async_nats::Client) -> anyhow::Result<()> {
    let mut requests = nats.subscribe("video.v1.get").await?;
    while let Some(message) = requests.next().await {
        let asked: GetVideos = serde_json::from_slice(&message.payload)?;
        let videos = asked.ids.iter().map(|id| VideoInfo {
            id: *id,
            author_id: id % 50 + 1,
            title: String::new(),
            play_key: String::new(),
            cover_key: String::new(),
            created_ms: 1,
        });
        let reply = Videos {
            videos: videos.collect(),
            work_counts: Vec::new(),
        };
        if let Some(inbox) = message.reply {
            nats.publish(inbox, serde_json::to_vec(&reply)?.into())
                .await?;
        }
    }
    Ok(())
}

/// `count` users from `first` on, 20 stored likes each, never loaded into Redis.
async fn insert_users(env: &TestEnv, first: i64, count: i64) -> anyhow::Result<()> {
    let mut query = sqlx::QueryBuilder::new(
        "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) ",
    );
    let rows = (first..first + count).flat_map(|user| (1..=20).map(move |video| (user, video)));
    query.push_values(rows, |mut row, (user, video)| {
        row.push_bind(user)
            .push_bind(video)
            .push_bind(video % 50 + 1)
            .push_bind(true)
            .push_bind(1_i64)
            .push_bind(video);
    });
    query.build().execute(&env.db.pool).await?;
    Ok(())
}

async fn publish_backlog(js: &jetstream::Context, count: usize) -> anyhow::Result<()> {
    let mut acks = Vec::with_capacity(count);
    for i in 0..count {
        let event = FavoriteEvent {
            user_id: 50_000 + (i % 1_000) as i64,
            video_id: (i % 300) as i64 + 1,
            author_id: 1,
            liked: true,
            at_ms: 1,
        };
        let subject = event_subject(event.author_id, event.video_id, event.user_id);
        acks.push(
            js.publish(subject, serde_json::to_vec(&event)?.into())
                .await?,
        );
    }
    for ack in acks {
        ack.await?;
    }
    Ok(())
}

async fn time<E: std::error::Error + Send + Sync + 'static>(
    count: usize,
    run: impl AsyncFn(usize) -> Result<(), E>,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let started = Instant::now();
        run(i).await?;
        times.push(started.elapsed());
    }
    times.sort_unstable();
    Ok(times)
}

fn report(what: &str, sorted: &[Duration]) {
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize];
    let mean = sorted.iter().sum::<Duration>() / sorted.len() as u32;
    println!(
        "| {what} | n={} | mean {:.2} ms | p50 {:.2} ms | p99 {:.2} ms |",
        sorted.len(),
        mean.as_secs_f64() * 1e3,
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
}
