//! The favorite worker's hot state against real NATS, MariaDB and Redis: lookups of ids
//! that do not exist leave only expiring keys, and a user with a very large liked set is
//! rebuilt exactly, chunk by chunk.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use contract::favorite::{ListFavorites, UserStats, VideoStats};
use fred::prelude::{Client, SortedSetsInterface};
use testkit::TestEnv;

struct Running {
    env: TestEnv,
    worker: favorite::FavoriteWorker,
    caller: mesh::Caller,
    redis: Client,
}

async fn start(configure: impl FnOnce(&mut settings::Settings)) -> Running {
    let mut env = TestEnv::start().await.unwrap();
    configure(&mut env.settings);
    let nats = env.nats_client().await.unwrap();
    let worker = favorite::start(&env.settings, nats.clone()).await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(30));
    let redis = settings::connect_redis(&env.settings.redis).await.unwrap();
    Running {
        env,
        worker,
        caller,
        redis,
    }
}

impl Running {
    async fn assert_liked(&self, user: i64, videos: &[i64]) {
        let list = self.caller.call(&ListFavorites { user_id: user }).await;
        assert_eq!(list.unwrap().video_ids, videos, "user {user}'s liked list");
    }

    async fn keys(&self) -> Vec<String> {
        let pattern = testkit::redis::under_prefix(&self.env.settings.redis.prefix, "*");
        testkit::redis::scan_keys(&self.redis, &pattern)
            .await
            .unwrap()
    }

    /// Inserts `rows` (user, video, author, liked, seq, liked_ms) straight into MySQL.
    async fn insert(&self, rows: &[(i64, i64, i64, bool, i64, i64)]) {
        for chunk in rows.chunks(5_000) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) ",
            );
            query.push_values(chunk, |mut row, r| {
                row.push_bind(r.0)
                    .push_bind(r.1)
                    .push_bind(r.2)
                    .push_bind(r.3)
                    .push_bind(r.4)
                    .push_bind(r.5);
            });
            query.build().execute(&self.env.db.pool).await.unwrap();
        }
    }
}

#[tokio::test]
async fn lookups_of_missing_ids_leave_only_keys_that_expire() {
    let app = start(|s| s.hot.empty_ttl_secs = 2).await;
    // One real user, so the bound is checked against something that must stay.
    app.insert(&[(1, 10, 2, true, 1, 1_000)]).await;
    app.assert_liked(1, &[10]).await;
    let baseline = app.keys().await.len();
    assert_eq!(baseline, 2, "user 1's set and sequence hash");

    // 10,000 random ids that have no rows, looked up as users (their liked counts and
    // received likes: 3 keys each) and as videos (1 key each), 100 per request.
    let ids: Vec<i64> = (0..10_000)
        .map(|_| rand::random::<i64>().rem_euclid(1 << 50) + 1_000)
        .collect();
    let requests = ids.chunks(100).enumerate().map(|(i, chunk)| {
        let caller = app.caller.clone();
        let chunk = chunk.to_vec();
        async move {
            if i % 2 == 0 {
                let stats = caller.call(&UserStats { user_ids: chunk }).await.unwrap();
                assert!(stats.stats.iter().all(|s| s.favorite_count == 0));
            } else {
                let request = VideoStats {
                    video_ids: chunk,
                    viewer: None,
                };
                let stats = caller.call(&request).await.unwrap();
                assert!(stats.stats.iter().all(|s| s.favorite_count == 0));
            }
        }
    });
    futures::future::join_all(requests).await;
    let grown = app.keys().await.len() - baseline;
    // Bounded: at most 3 keys per id looked up within the TTL (here: 5,000 users × 3 and
    // 5,000 videos × 1), and no staging key survives an install.
    assert!(
        grown <= 5_000 * 3 + 5_000,
        "{grown} keys for 10,000 missing ids"
    );
    assert!(grown > 0, "the lookups left their negative entries");

    // Back to the baseline once the TTL has passed; the real user's keys stay.
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.keys().await.len() > baseline {
        assert!(Instant::now() < deadline, "negative entries did not expire");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.assert_liked(1, &[10]).await;
    app.worker.shutdown().await;
}

#[tokio::test]
async fn a_user_with_a_huge_liked_set_is_rebuilt_exactly_in_chunks() {
    let app = start(|s| s.hot.install_chunk = 1_000).await;
    const USER: i64 = 7;
    // 60,000 pairs; every tenth unliked; like times not in video order.
    let rows: Vec<(i64, i64, i64, bool, i64, i64)> = (1..=60_000)
        .map(|video| {
            let at = (video * 7_919) % 1_000_003 + 1;
            (USER, video, video % 97, video % 10 != 0, video, at)
        })
        .collect();
    app.insert(&rows).await;
    let mut liked: Vec<&(i64, i64, i64, bool, i64, i64)> = rows.iter().filter(|r| r.3).collect();
    liked.sort_by_key(|r| std::cmp::Reverse(r.5));
    let first_page: Vec<i64> = liked.iter().take(1_000).map(|r| r.1).collect();

    let list = app
        .caller
        .call(&ListFavorites { user_id: USER })
        .await
        .unwrap();
    assert_eq!(
        list.video_ids, first_page,
        "the newest 1000 likes, newest first"
    );
    let stats = app
        .caller
        .call(&UserStats {
            user_ids: vec![USER],
        })
        .await
        .unwrap();
    assert_eq!(stats.stats[0].favorite_count, 54_000);
    let set = format!("{}fav:{{u{USER}}}:set", app.env.settings.redis.prefix);
    let size: i64 = app.redis.zcard(&set).await.unwrap();
    assert_eq!(size, 54_001, "every liked video plus the loaded marker");
    assert!(
        !app.keys().await.iter().any(|k| k.contains(":stg:")),
        "no staging key left behind"
    );
    app.worker.shutdown().await;
}

#[tokio::test]
async fn a_tail_that_overflowed_refuses_rebuilds_with_a_503_until_mysql_catches_up() {
    let mut app = start(|s| {
        s.hot.tail_max_events = 5;
        // The held-back consumer's pulled events come back soon after it stops.
        s.persist.ack_wait_ms = Some(1_000);
    })
    .await;
    // Persistence held back (it waits for 5,000 events), so the tail must hold everything.
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let mut held = app.env.settings.clone();
    held.persist.max_batch = 5_000;
    held.persist.max_wait_ms = 600_000;
    let idle = favorite::persister(app.env.db.pool.clone(), js.clone(), &held);
    app.worker.replace_persister(idle).stop().await;
    for video in 1..=8 {
        let event = contract::favorite::FavoriteEvent {
            user_id: 3,
            video_id: video,
            author_id: 4,
            liked: true,
            at_ms: video,
        };
        let subject = contract::favorite::event_subject(4, video, 3);
        mesh::events::publish(&js, subject, &event, None)
            .await
            .unwrap();
    }
    // Eight unpersisted events, room for five: a rebuild now would miss some of them.
    let refused = app.caller.call(&ListFavorites { user_id: 3 }).await;
    match refused {
        Err(mesh::CallError::Service(err)) => {
            assert_eq!(err.kind, contract::ErrorKind::Unavailable, "{err:?}")
        }
        other => panic!("expected a 503, got {other:?}"),
    }
    // Once MySQL holds what the tail dropped, rebuilds are exact again.
    // Killed: a stop would wait out the held-back consumer's pull.
    let running = favorite::persister(app.env.db.pool.clone(), js, &app.env.settings);
    app.worker.replace_persister(running).kill();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match app.caller.call(&ListFavorites { user_id: 3 }).await {
            Ok(list) => {
                assert_eq!(list.video_ids, [8, 7, 6, 5, 4, 3, 2, 1]);
                break;
            }
            Err(err) => assert!(Instant::now() < deadline, "still refused: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.worker.shutdown().await;
}
