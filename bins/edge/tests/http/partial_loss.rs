//! Redis losing only part of the hot state — the comment counts of several videos at once,
//! one key of a video's comment state, or only the record of applied events — and every
//! answer staying right, rebuilt from MySQL and the stream.
use testkit::RedisMode;

use serde_json::Value;

use crate::{
    app::{App, ok_json},
    caught_up::{COMMENTS, FAVORITES, RELATIONS},
    comments::{comment_count, list, one_two_three_without_two, post, texts, video},
    likes::{feed_video, like, user},
    persistence::held_back,
    social::follow,
};

/// Comment counts by video id, as the feed shows them.
async fn feed_comment_counts(app: &App) -> Vec<(i64, i64)> {
    let feed = ok_json(app.get("/douyin/feed/").await).await;
    let mut counts: Vec<(i64, i64)> = feed["video_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v: &Value| {
            (
                v["id"].as_i64().unwrap(),
                v["comment_count"].as_i64().unwrap(),
            )
        })
        .collect();
    counts.sort_unstable();
    counts
}

on_both_redis_modes!(one_feed_request_rebuilds_the_comment_counts_of_several_videos);
async fn one_feed_request_rebuilds_the_comment_counts_of_several_videos(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let mut want = Vec::new();
    for (seed, comments) in [(40, 1), (41, 2), (42, 3)] {
        let (video, token) = video(&app, seed).await;
        for n in 0..comments {
            ok_json(post(&app, &token, video, &format!("comment {n}")).await).await;
        }
        want.push((video, comments));
    }
    COMMENTS.everything_persisted(&app).await;
    for &(video, comments) in &want {
        assert_eq!(
            crate::comments::persisted(&app, video).await.len() as i64,
            comments
        );
    }
    app.lose_redis("cm:*").await;
    assert_eq!(feed_comment_counts(&app).await, want);
}

on_both_redis_modes!(losing_one_key_of_a_videos_comment_state_leaves_lists_and_counts_right);
async fn losing_one_key_of_a_videos_comment_state_leaves_lists_and_counts_right(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let (video, token) = one_two_three_without_two(&app, 43).await;
    COMMENTS.everything_persisted(&app).await;
    assert_eq!(crate::comments::persisted(&app, video).await.len(), 3);
    let mut live = vec!["three".to_owned(), "one".to_owned()];
    // The set of ids, the bodies, the applied sequences: each lost alone before a read,
    // then lost alone before a new comment is written on top of what is left.
    for kind in ["z", "b", "s"] {
        let lost = format!("cm:{{v{video}}}:{kind}");
        app.lose_redis(&lost).await;
        assert_eq!(
            texts(list(&app, video).await),
            live,
            "a read after losing {lost}"
        );
        assert_eq!(comment_count(&app).await, live.len() as i64, "{lost}");
        app.lose_redis(&lost).await;
        let text = format!("after {kind}");
        ok_json(post(&app, &token, video, &text).await).await;
        live.insert(0, text);
        assert_eq!(comment_count(&app).await, live.len() as i64, "{lost}");
        assert_eq!(
            texts(list(&app, video).await),
            live,
            "a post after losing {lost}"
        );
    }
}

on_both_redis_modes!(losing_only_the_pair_sequences_counts_no_like_or_follow_twice);
async fn losing_only_the_pair_sequences_counts_no_like_or_follow_twice(redis: RedisMode) {
    // A short ack wait: the held-back consumer's messages come back soon after its kill.
    let mut app = App::start_with_on(redis, |s| s.persist.ack_wait_ms = Some(1_000)).await;
    // Likes held back from MySQL, so the pair sequences are all that say Redis has them.
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let idle = favorite::persister(app.env.db.pool.clone(), js.clone(), &held_back(&app));
    app.favorite.replace_persister(idle).kill();
    let (author, author_token) = app.register("applied_author", "secret1").await;
    let published = app
        .publish(
            &author_token,
            testkit::media::mp4(44).unwrap(),
            "a.mp4",
            "once",
        )
        .await;
    let video = ok_json(published).await["video_id"].as_i64().unwrap();
    let (fan, token) = app.register("applied_fan", "secret1").await;
    ok_json(like(&app, &token, video, 1).await).await;
    ok_json(follow(&app, &token, author, 1).await).await;
    // Each group's pair sequences are what say which events it holds, so those are lost.
    app.lose_redis("fav:*:seq").await;
    app.lose_redis("rel:*s").await;
    // A second like and follow by someone else, applied on top of what is left.
    let (_, other) = app.register("applied_other", "secret1").await;
    ok_json(like(&app, &other, video, 1).await).await;
    ok_json(follow(&app, &other, author, 1).await).await;
    let check = async |app: &App| {
        assert_eq!(feed_video(app, &token).await["favorite_count"], 2);
        let author = user(app, author).await;
        assert_eq!(
            (&author["total_favorited"], &author["follower_count"]),
            (&2.into(), &2.into())
        );
        let fan = user(app, fan).await;
        assert_eq!(
            (&fan["favorite_count"], &fan["follow_count"]),
            (&1.into(), &1.into())
        );
    };
    check(&app).await;
    // The sequences lost again, and with them the video's count: rebuilt from MySQL (no
    // likes yet) plus the unpersisted events, each counted once.
    app.lose_redis("fav:*:seq").await;
    app.lose_redis(&format!("fav:{{v{video}}}:p")).await;
    check(&app).await;
    // Once persisted, losing everything else as well gives the same answers from MySQL.
    let running = favorite::persister(app.env.db.pool.clone(), js, &app.env.settings);
    app.favorite.replace_persister(running).kill();
    FAVORITES.everything_persisted(&app).await;
    RELATIONS.everything_persisted(&app).await;
    app.lose_redis("fav:*").await;
    app.lose_redis("rel:*").await;
    check(&app).await;
}
