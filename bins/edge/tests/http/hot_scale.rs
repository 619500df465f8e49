//! Follow and comment hot state at scale: a celebrity's 100,000 followers and a video's
//! 100,000 comments rebuilt whole (in chunks, never one script), exact after a rebuild.

use testkit::RedisMode;

use crate::{
    app::App,
    comments::{comment_count, list, post},
    list_seed,
    social::{follow, ids, user},
};

const FANS: i64 = 100_000;
const CAP: usize = 1_000;

/// An app whose calls may wait for a 100,000-row rebuild in a debug build (seconds: mostly
/// decoding the rows); what is tested is that it is whole and right, not how fast it is.
/// Other requests may wait as long for one of the test's few pooled MySQL connections, and a
/// Redis reply for the busy test process to read it.
async fn patient_app(redis: RedisMode) -> App {
    App::start_with_on(redis, |s| {
        s.nats.request_timeout_ms = 60_000;
        s.mysql.acquire_timeout_ms = 60_000;
        s.redis.command_timeout_ms = 60_000;
        // The followers are imported into MySQL after the celebrity signed up.
        s.hot.load_new_users = false;
    })
    .await
}

on_both_redis_modes!(a_celebrity_with_a_hundred_thousand_followers_is_rebuilt_whole);
async fn a_celebrity_with_a_hundred_thousand_followers_is_rebuilt_whole(redis: RedisMode) {
    let app = patient_app(redis).await;
    let (star, token) = app.register("megastar", "secret1").await;
    // The fans are 10,000,000.. and fan i followed at time i; only the newest page of them
    // needs a profile for the list to show it.
    let first_fan = 10_000_000;
    list_seed::users(&app, first_fan + FANS - CAP as i64, CAP as i64).await;
    let rows: Vec<(i64, i64, i64)> = (0..FANS)
        .map(|i| (first_fan + i, star, 1_700_000_000_000 + i))
        .collect();
    list_seed::follows(&app, &rows).await;
    let newest: Vec<i64> = (0..CAP as i64).map(|i| first_fan + FANS - 1 - i).collect();

    let check = async |app: &App| {
        let seen = user(app, star, &token).await;
        assert_eq!(seen["follower_count"], FANS, "every follower counted");
        let path = format!("/douyin/relation/follower/list/?user_id={star}");
        let listed = ids(app, &path).await;
        assert_eq!(listed.len(), CAP);
        assert_eq!(listed[..], newest[..], "the newest thousand, newest first");
    };
    check(&app).await;
    app.lose_redis("rel:*").await;
    check(&app).await;
    // A follow applied on top of the rebuilt set counts once more.
    let (_, fan_token) = app.register("newfan", "secret1").await;
    crate::app::ok_json(follow(&app, &fan_token, star, 1).await).await;
    let seen = user(&app, star, &token).await;
    assert_eq!(seen["follower_count"], FANS + 1);
}

on_both_redis_modes!(a_video_with_a_hundred_thousand_comments_is_rebuilt_whole);
async fn a_video_with_a_hundred_thousand_comments_is_rebuilt_whole(redis: RedisMode) {
    let app = patient_app(redis).await;
    let (author, token) = app.register("talkshow", "secret1").await;
    let video = 77_000_000;
    list_seed::videos(&app, author, &[video]).await;
    list_seed::comments(&app, video, author, 90_000_000, FANS).await;
    in_the_feed(&app, video).await;

    let check = async |app: &App| {
        assert_eq!(comment_count(app).await, FANS, "every comment counted");
        let listed = list(app, video).await;
        assert_eq!(listed.len(), CAP, "the newest thousand");
        let newest = format!("seeded comment {}", FANS - 1);
        let last_shown = format!("seeded comment {}", FANS - CAP as i64);
        assert_eq!(listed[0]["content"], newest.as_str());
        assert_eq!(
            listed[CAP - 1]["content"],
            last_shown.as_str(),
            "newest first"
        );
    };
    check(&app).await;
    app.lose_redis("cm:*").await;
    check(&app).await;
    crate::app::ok_json(post(&app, &token, video, "one more").await).await;
    assert_eq!(comment_count(&app).await, FANS + 1);
    assert_eq!(list(&app, video).await[0]["content"], "one more");
}

/// Waits (bounded) until `video`, inserted straight into MySQL, is the feed's first: the
/// video workers' in-memory feed index picks such rows up at its next re-read
/// (`video.feed_index_resync_ms`), not at once.
async fn in_the_feed(app: &App, video: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let feed = crate::app::ok_json(app.get("/douyin/feed/").await).await;
        if feed["video_list"][0]["id"].as_i64() == Some(video) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never in the feed: {feed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
