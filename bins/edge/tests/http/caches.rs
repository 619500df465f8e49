//! The edge's caches of immutable facts never show stale counts: a publish is in the
//! author's work count at once (counts are not cached, profiles are), and an unknown user
//! stays a 404 however often it is asked.

use reqwest::StatusCode;
use serde_json::Value;
use testkit::media;

use crate::app::{App, error_json, ok_json};

async fn user(app: &App, user_id: i64) -> Value {
    let body = ok_json(app.get(&format!("/douyin/user/?user_id={user_id}")).await).await;
    body["user"].clone()
}

#[tokio::test]
async fn a_publish_shows_in_the_authors_work_count_at_once() {
    let app = App::start().await;
    let (user_id, token) = app.register("prolific", "secret1").await;
    // The profile is cached from here on; the count must still move.
    assert_eq!(user(&app, user_id).await["work_count"], 0);
    for (seed, expected) in [(11, 1), (12, 2)] {
        let video = media::mp4(seed).unwrap();
        ok_json(app.publish(&token, video, "clip.mp4", "a clip").await).await;
        assert_eq!(user(&app, user_id).await["work_count"], expected);
        let feed = ok_json(app.get("/douyin/feed/").await).await;
        assert_eq!(feed["video_list"][0]["author"]["work_count"], expected);
        assert_eq!(feed["video_list"][0]["author"]["name"], "prolific");
    }
    let list = ok_json(
        app.get(&format!("/douyin/publish/list/?user_id={user_id}"))
            .await,
    )
    .await;
    assert_eq!(list["video_list"][1]["author"]["work_count"], 2);
}

#[tokio::test]
async fn an_unknown_user_is_a_404_every_time_and_a_real_one_is_found() {
    let app = App::start_users_only().await;
    for _ in 0..3 {
        let response = app.get("/douyin/user/?user_id=987654321").await;
        error_json(response, StatusCode::NOT_FOUND).await;
    }
    let (user_id, _) = app.register("present", "secret1").await;
    assert_eq!(user(&app, user_id).await["name"], "present");
}
