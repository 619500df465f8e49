//! Likes end to end: action → list → counts through the edge, concurrency, bad input, and
//! hot state rebuilt after Redis loses it (persistence itself: `persistence.rs`).
use testkit::RedisMode;

use std::time::Duration;

use contract::favorite::SetFavorite;
use reqwest::StatusCode;
use serde_json::Value;
use testkit::media;

use crate::{
    app::{App, error_json, ok_json},
    caught_up::FAVORITES,
    persistence::held_back,
};

pub(crate) async fn like(app: &App, token: &str, video_id: i64, action: i64) -> reqwest::Response {
    app.http
        .post(app.url("/douyin/favorite/action/"))
        .form(&[
            ("token", token.to_owned()),
            ("video_id", video_id.to_string()),
            ("action_type", action.to_string()),
        ])
        .send()
        .await
        .unwrap()
}

/// A user, a published video and its id.
pub(crate) async fn video_by(app: &App, name: &str, seed: u32) -> (i64, String, i64) {
    let (user_id, token) = app.register(name, "secret1").await;
    let body = ok_json(
        app.publish(&token, media::mp4(seed).unwrap(), "v.mp4", "liked")
            .await,
    )
    .await;
    (user_id, token, body["video_id"].as_i64().unwrap())
}

pub(crate) async fn feed_video(app: &App, token: &str) -> Value {
    let feed = ok_json(app.get(&format!("/douyin/feed/?token={token}")).await).await;
    feed["video_list"][0].clone()
}

pub(crate) async fn user(app: &App, id: i64) -> Value {
    ok_json(app.get(&format!("/douyin/user/?user_id={id}")).await).await["user"].clone()
}

/// Liked rows in MySQL for `video`, as they are now (wait for persistence first).
pub(crate) async fn liked_rows(app: &App, video: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM favorites WHERE video_id = ? AND liked = 1")
        .bind(video)
        .fetch_one(&app.env.db.pool)
        .await
        .unwrap()
}

/// The persisted `liked` of one (user, video) row; `None` when no event reached MySQL.
async fn persisted_like(app: &App, user: i64, video: i64) -> Option<bool> {
    sqlx::query_scalar("SELECT liked FROM favorites WHERE user_id = ? AND video_id = ?")
        .bind(user)
        .bind(video)
        .fetch_optional(&app.env.db.pool)
        .await
        .unwrap()
}

on_both_redis_modes!(like_list_and_counts_round_trip_and_unlike_is_idempotent);
async fn like_list_and_counts_round_trip_and_unlike_is_idempotent(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let (author, _, video) = video_by(&app, "author", 20).await;
    let (fan, token) = app.register("fan", "secret1").await;
    for _ in 0..2 {
        ok_json(like(&app, &token, video, 1).await).await;
    }
    let list = ok_json(
        app.get(&format!(
            "/douyin/favorite/list/?user_id={fan}&token={token}"
        ))
        .await,
    )
    .await;
    assert_eq!(list["video_list"][0]["id"], video);
    assert_eq!(list["video_list"][0]["is_favorite"], true);
    let seen = feed_video(&app, &token).await;
    assert_eq!(
        (
            seen["favorite_count"].as_i64(),
            seen["is_favorite"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(user(&app, author).await["total_favorited"], 1);
    assert_eq!(user(&app, fan).await["favorite_count"], 1);

    for _ in 0..2 {
        ok_json(like(&app, &token, video, 2).await).await;
    }
    let seen = feed_video(&app, &token).await;
    assert_eq!(
        (
            seen["favorite_count"].as_i64(),
            seen["is_favorite"].as_bool()
        ),
        (Some(0), Some(false))
    );
    let list = ok_json(
        app.get(&format!("/douyin/favorite/list/?user_id={fan}"))
            .await,
    )
    .await;
    assert!(list["video_list"].as_array().unwrap().is_empty());
    assert_eq!(user(&app, author).await["total_favorited"], 0);
    FAVORITES.everything_persisted(&app).await;
    assert_eq!(persisted_like(&app, fan, video).await, Some(false));
}

#[tokio::test]
async fn fifty_concurrent_likes_count_once_per_user_and_mysql_agrees() {
    let app = App::start().await;
    let (_, token, video) = video_by(&app, "popular", 21).await;
    let same_user = (0..50).map(|_| like(&app, &token, video, 1));
    for response in futures::future::join_all(same_user).await {
        ok_json(response).await;
    }
    assert_eq!(feed_video(&app, &token).await["favorite_count"], 1);

    let client = app.env.nats_client().await.unwrap();
    let caller = mesh::Caller::new(client, Duration::from_secs(10));
    let many_users = (1000..1049).map(|user_id| {
        let caller = caller.clone();
        async move {
            caller
                .call(&SetFavorite {
                    user_id,
                    video_id: video,
                    liked: true,
                })
                .await
                .unwrap()
        }
    });
    futures::future::join_all(many_users).await;
    assert_eq!(feed_video(&app, &token).await["favorite_count"], 50);
    FAVORITES.everything_persisted(&app).await;
    assert_eq!(liked_rows(&app, video).await, 50);
}

#[tokio::test]
async fn bad_like_requests_are_json_errors() {
    let app = App::start().await;
    let (_, token, video) = video_by(&app, "strict", 22).await;
    error_json(like(&app, &token, video, 3).await, StatusCode::BAD_REQUEST).await;
    error_json(like(&app, &token, -1, 1).await, StatusCode::BAD_REQUEST).await;
    error_json(like(&app, &token, 12345, 1).await, StatusCode::NOT_FOUND).await;
    error_json(like(&app, "", video, 1).await, StatusCode::UNAUTHORIZED).await;
    let response = app
        .http
        .post(app.url("/douyin/favorite/action/"))
        .form(&[
            ("token", token.as_str()),
            ("video_id", "abc"),
            ("action_type", "1"),
        ])
        .send()
        .await
        .unwrap();
    error_json(response, StatusCode::BAD_REQUEST).await;
}

on_both_redis_modes!(counts_and_lists_survive_redis_losing_everything_before_and_after_persistence);
async fn counts_and_lists_survive_redis_losing_everything_before_and_after_persistence(
    redis: RedisMode,
) {
    // A short ack wait: the killed consumer's pending pull still receives messages, which come
    // back to the next consumer only after it.
    let mut app = App::start_with_on(redis, |s| s.persist.ack_wait_ms = Some(1_000)).await;
    let (author, _, video) = video_by(&app, "resilient", 23).await;
    // Hold persistence back, so the likes exist only in the stream (and in Redis).
    let idle = favorite::persister(
        app.env.db.pool.clone(),
        async_nats::jetstream::new(app.env.nats_client().await.unwrap()),
        &held_back(&app),
    );
    app.favorite.replace_persister(idle).kill();
    let (fan, token) = app.register("keeper", "secret1").await;
    ok_json(like(&app, &token, video, 1).await).await;
    ok_json(like(&app, &token, video, 2).await).await;
    ok_json(like(&app, &token, video, 1).await).await;
    assert_eq!(persisted_like(&app, fan, video).await, None, "held back");

    app.lose_redis("fav:*").await;
    let check = async |app: &App| {
        assert_eq!(feed_video(app, &token).await["favorite_count"], 1);
        assert_eq!(feed_video(app, &token).await["is_favorite"], true);
        assert_eq!(user(app, author).await["total_favorited"], 1);
        assert_eq!(user(app, fan).await["favorite_count"], 1);
        let list = ok_json(
            app.get(&format!("/douyin/favorite/list/?user_id={fan}"))
                .await,
        )
        .await;
        assert_eq!(list["video_list"][0]["id"], video);
    };
    check(&app).await;

    // Persist, lose Redis again: now the rows alone must give the same answers.
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let running = favorite::persister(app.env.db.pool.clone(), js, &app.env.settings);
    app.favorite.replace_persister(running).kill();
    FAVORITES.everything_persisted(&app).await;
    assert_eq!(persisted_like(&app, fan, video).await, Some(true));
    assert_eq!(liked_rows(&app, video).await, 1);
    app.lose_redis("fav:*").await;
    check(&app).await;
}
