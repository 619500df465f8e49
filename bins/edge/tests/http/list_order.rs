//! List orders: liked videos most recently liked first, and liking again after an unlike
//! moves a video back to the top.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{
    app::{App, ok_json},
    likes::like,
    list_seed,
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
