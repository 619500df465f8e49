//! Redis losing like keys while writers are busy: once everything is persisted, every count
//! and list the hot state serves equals what MySQL holds — each key group rebuilt on its
//! own from rows plus the in-memory stream tail, in the middle of concurrent writes.

use std::time::Duration;

use contract::favorite::{ListFavorites, SetFavorite, UserStats, VideoStats};

use testkit::RedisMode;

use crate::{app::App, caught_up::FAVORITES};

const USERS: std::ops::Range<i64> = 5_000..5_030;

async fn mysql_count(app: &App, column: &str, id: i64) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM favorites WHERE {column} = ? AND liked = 1");
    sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_one(&app.env.db.pool)
        .await
        .unwrap()
}

async fn mysql_liked(app: &App, user: i64) -> Vec<i64> {
    let mut ids: Vec<i64> =
        sqlx::query_scalar("SELECT video_id FROM favorites WHERE user_id = ? AND liked = 1")
            .bind(user)
            .fetch_all(&app.env.db.pool)
            .await
            .unwrap();
    ids.sort_unstable();
    ids
}

/// Compares every count and list of `videos`, their `author` and `USERS` with MySQL.
async fn assert_hot_matches_mysql(app: &App, caller: &mesh::Caller, author: i64, videos: &[i64]) {
    let request = VideoStats {
        video_ids: videos.to_vec(),
        viewer: None,
    };
    for stat in caller.call(&request).await.unwrap().stats {
        let stored = mysql_count(app, "video_id", stat.video_id).await;
        assert_eq!(stat.favorite_count, stored, "video {}", stat.video_id);
    }
    let mut ids: Vec<i64> = USERS.collect();
    ids.push(author);
    for stat in caller
        .call(&UserStats { user_ids: ids })
        .await
        .unwrap()
        .stats
    {
        let liked = mysql_count(app, "user_id", stat.user_id).await;
        assert_eq!(stat.favorite_count, liked, "user {} liked", stat.user_id);
        let received = mysql_count(app, "author_id", stat.user_id).await;
        assert_eq!(
            stat.total_favorited, received,
            "user {} received",
            stat.user_id
        );
    }
    for user in USERS {
        let mut list = caller.call(&ListFavorites { user_id: user }).await.unwrap();
        list.video_ids.sort_unstable();
        assert_eq!(
            list.video_ids,
            mysql_liked(app, user).await,
            "user {user}'s list"
        );
    }
}

on_both_redis_modes!(like_keys_lost_during_concurrent_writes_end_with_the_counts_mysql_holds);
async fn like_keys_lost_during_concurrent_writes_end_with_the_counts_mysql_holds(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let (author, token) = app.register("lossy_author", "secret1").await;
    let mut videos = Vec::new();
    for seed in 0..3 {
        let mp4 = testkit::media::mp4(60 + seed).unwrap();
        let body = crate::app::ok_json(app.publish(&token, mp4, "v.mp4", "lossy").await).await;
        videos.push(body["video_id"].as_i64().unwrap());
    }
    let client = app.env.nats_client().await.unwrap();
    let caller = mesh::Caller::new(client, Duration::from_secs(20));
    // Writer 0 also loses each kind of group in turn, and then everything, every 8th step,
    // while the other writers' requests are in flight.
    let patterns = ["fav:{u*", "fav:{v*", "fav:{a*", "fav:*"];
    let writers = (0..6).map(|writer: u64| {
        let (app, caller, videos) = (&app, caller.clone(), videos.clone());
        async move {
            for step in 0..64u64 {
                if writer == 0 && step % 8 == 7 {
                    app.lose_redis(patterns[(step / 8) as usize % patterns.len()])
                        .await;
                }
                let mix = writer * 7_919 + step * 104_729;
                let request = SetFavorite {
                    user_id: USERS.start + (mix % 30) as i64,
                    video_id: videos[(mix / 30 % 3) as usize],
                    liked: !mix.is_multiple_of(5),
                };
                caller.call(&request).await.unwrap();
            }
        }
    });
    futures::future::join_all(writers).await;
    FAVORITES.everything_persisted(&app).await;
    assert_hot_matches_mysql(&app, &caller, author, &videos).await;
    // And from the rows alone, once Redis has lost everything again.
    app.lose_redis("fav:*").await;
    assert_hot_matches_mysql(&app, &caller, author, &videos).await;
}
