//! List orders: liked videos most recently liked first, follows and followers most recently
//! followed first, and liking or following again after an undo moves an entry back to the top.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{
    app::{App, ok_json},
    likes::like,
    list_seed,
    social::{follow, ids},
};

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// Returns once the clock has moved to a later millisecond, so two actions get two times
/// (the order under test is by time; within one millisecond it is not defined).
async fn next_millisecond() {
    let start = now_ms();
    let deadline = Instant::now() + Duration::from_secs(1);
    while now_ms() == start {
        assert!(Instant::now() < deadline, "the clock did not move");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn liked(app: &App, user: i64) -> Vec<i64> {
    let list = ok_json(
        app.get(&format!("/douyin/favorite/list/?user_id={user}"))
            .await,
    )
    .await;
    list["video_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn liked_videos_come_most_recent_first_and_liking_again_moves_one_to_the_top() {
    let app = App::start().await;
    let (author, _) = app.register("director", "secret1").await;
    let (fan, token) = app.register("viewer", "secret1").await;
    list_seed::videos(&app, author, &[1, 2, 3]).await;
    for video in [1, 2, 3] {
        next_millisecond().await;
        ok_json(like(&app, &token, video, 1).await).await;
    }
    assert_eq!(liked(&app, fan).await, [3, 2, 1]);
    next_millisecond().await;
    ok_json(like(&app, &token, 1, 2).await).await;
    assert_eq!(liked(&app, fan).await, [3, 2]);
    next_millisecond().await;
    ok_json(like(&app, &token, 1, 1).await).await;
    assert_eq!(liked(&app, fan).await, [1, 3, 2], "liked again: on top");
}

#[tokio::test]
async fn follows_and_followers_come_most_recent_first_and_following_again_moves_one_to_the_top() {
    let app = App::start().await;
    let (fan, fan_token) = app.register("fan", "secret1").await;
    let mut stars = Vec::new();
    for name in ["star1", "star2", "star3"] {
        let (id, token) = app.register(name, "secret1").await;
        stars.push((id, token));
    }
    for (star, _) in &stars {
        next_millisecond().await;
        ok_json(follow(&app, &fan_token, *star, 1).await).await;
    }
    let [(s1, t1), (s2, _), (s3, t3)] = [&stars[0], &stars[1], &stars[2]];
    let follows = format!("/douyin/relation/follow/list/?user_id={fan}");
    assert_eq!(ids(&app, &follows).await, [*s3, *s2, *s1]);
    next_millisecond().await;
    ok_json(follow(&app, &fan_token, *s1, 2).await).await;
    next_millisecond().await;
    ok_json(follow(&app, &fan_token, *s1, 1).await).await;
    assert_eq!(
        ids(&app, &follows).await,
        [*s1, *s3, *s2],
        "followed again: on top"
    );

    // Followers of star3: the fan first, then star1 who follows later is on top.
    next_millisecond().await;
    ok_json(follow(&app, t1, *s3, 1).await).await;
    let followers = format!("/douyin/relation/follower/list/?user_id={s3}&token={t3}");
    assert_eq!(ids(&app, &followers).await, [*s1, fan]);
}
