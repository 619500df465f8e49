//! Comments end to end: post → list → counts → delete through the edge, bad input, hot
//! state rebuilt after Redis loses it, and persistence that never resurrects a deletion.
use testkit::RedisMode;

use contract::comment::CommentEvent;
use reqwest::StatusCode;
use serde_json::Value;
use testkit::media;

use crate::{
    app::{App, error_json, ok_json},
    caught_up::COMMENTS,
};

async fn comment(app: &App, token: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let mut form = vec![("token", token.to_owned())];
    form.extend(fields.iter().cloned());
    app.http
        .post(app.url("/douyin/comment/action/"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn post(app: &App, token: &str, video: i64, text: &str) -> reqwest::Response {
    let fields = [
        ("video_id", video.to_string()),
        ("action_type", "1".to_owned()),
        ("comment_text", text.to_owned()),
    ];
    comment(app, token, &fields).await
}

pub(crate) async fn delete(
    app: &App,
    token: &str,
    video: i64,
    comment_id: i64,
) -> reqwest::Response {
    let fields = [
        ("video_id", video.to_string()),
        ("action_type", "2".to_owned()),
        ("comment_id", comment_id.to_string()),
    ];
    comment(app, token, &fields).await
}

pub(crate) async fn list(app: &App, video: i64) -> Vec<Value> {
    let body = ok_json(
        app.get(&format!("/douyin/comment/list/?video_id={video}"))
            .await,
    )
    .await;
    body["comment_list"].as_array().unwrap().clone()
}

pub(crate) async fn comment_count(app: &App) -> i64 {
    let feed = ok_json(app.get("/douyin/feed/").await).await;
    feed["video_list"][0]["comment_count"].as_i64().unwrap()
}

pub(crate) async fn video(app: &App, seed: u32) -> (i64, String) {
    let (_, token) = app.register(&format!("filmer{seed}"), "secret1").await;
    let body = ok_json(
        app.publish(&token, media::mp4(seed).unwrap(), "c.mp4", "talk")
            .await,
    )
    .await;
    (body["video_id"].as_i64().unwrap(), token)
}

on_both_redis_modes!(post_list_count_and_delete_round_trip);
async fn post_list_count_and_delete_round_trip(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let (video, _) = video(&app, 30).await;
    let (talker, token) = app.register("talker", "secret1").await;
    let first = ok_json(post(&app, &token, video, "  first!  ").await).await;
    assert_eq!(first["comment"]["content"], "first!");
    assert_eq!(first["comment"]["user"]["id"], talker);
    let date = first["comment"]["create_date"].as_str().unwrap();
    assert!(date.len() == 5 && date.as_bytes()[2] == b'-', "{date}");
    let second = ok_json(post(&app, &token, video, "what a SCAM").await).await;
    assert_eq!(second["comment"]["content"], "what a ****");

    let listed = list(&app, video).await;
    let ids: Vec<&Value> = listed.iter().map(|c| &c["id"]).collect();
    assert_eq!(
        ids,
        [&second["comment"]["id"], &first["comment"]["id"]],
        "newest first"
    );
    assert_eq!(comment_count(&app).await, 2);

    let first_id = first["comment"]["id"].as_i64().unwrap();
    ok_json(delete(&app, &token, video, first_id).await).await;
    assert_eq!(list(&app, video).await.len(), 1);
    assert_eq!(comment_count(&app).await, 1);
    error_json(
        delete(&app, &token, video, first_id).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn bad_comment_requests_are_json_errors() {
    let app = App::start().await;
    let (video, owner_token) = video(&app, 31).await;
    let (_, token) = app.register("critic", "secret1").await;
    let bad_action = [
        ("video_id", video.to_string()),
        ("action_type", "3".to_owned()),
    ];
    error_json(
        comment(&app, &token, &bad_action).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(post(&app, &token, -1, "hi").await, StatusCode::BAD_REQUEST).await;
    error_json(
        post(&app, &token, 424242, "hi").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_json(
        post(&app, &token, video, "   ").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(
        post(&app, &token, video, &"x".repeat(501)).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    ok_json(post(&app, &token, video, &"字".repeat(500)).await).await;
    let mine = ok_json(post(&app, &token, video, "mine").await).await;
    let id = mine["comment"]["id"].as_i64().unwrap();
    error_json(
        delete(&app, &owner_token, video, id).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_json(delete(&app, &token, video, 1).await, StatusCode::NOT_FOUND).await;
    error_json(
        app.get("/douyin/comment/list/?video_id=424242").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_json(
        app.get("/douyin/comment/list/?video_id=abc").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

/// The persisted comments of `video`, oldest first: (content, deleted).
pub(crate) async fn persisted(app: &App, video: i64) -> Vec<(String, bool)> {
    sqlx::query_as(
        "SELECT content, deleted FROM comments WHERE video_id = ? ORDER BY created_ms, id",
    )
    .bind(video)
    .fetch_all(&app.env.db.pool)
    .await
    .unwrap()
}

pub(crate) fn texts(comments: Vec<Value>) -> Vec<String> {
    comments
        .iter()
        .map(|c| c["content"].as_str().unwrap().to_owned())
        .collect()
}

/// A video (made from `seed`) with the comments "one", "two" and "three", "two" deleted
/// again; returns the video and its author's token.
pub(crate) async fn one_two_three_without_two(app: &App, seed: u32) -> (i64, String) {
    let (video, token) = video(app, seed).await;
    for text in ["one", "two", "three"] {
        ok_json(post(app, &token, video, text).await).await;
    }
    let two = list(app, video).await[1]["id"].as_i64().unwrap();
    ok_json(delete(app, &token, video, two).await).await;
    (video, token)
}

on_both_redis_modes!(lists_and_counts_survive_redis_losing_everything);
async fn lists_and_counts_survive_redis_losing_everything(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let (video, _) = one_two_three_without_two(&app, 32).await;
    // Immediately (the stream's tail may not be persisted yet), then once persisted.
    app.lose_redis("cm:*").await;
    assert_eq!(texts(list(&app, video).await), ["three", "one"]);
    assert_eq!(comment_count(&app).await, 2);
    COMMENTS.everything_persisted(&app).await;
    let rows = |text: &str, deleted| (text.to_owned(), deleted);
    assert_eq!(
        persisted(&app, video).await,
        [rows("one", false), rows("two", true), rows("three", false)]
    );
    app.lose_redis("cm:*").await;
    assert_eq!(comment_count(&app).await, 2);
    assert_eq!(texts(list(&app, video).await), ["three", "one"]);
}

#[tokio::test]
async fn a_delete_persisted_before_its_post_stays_deleted() {
    use mesh::batch::{ApplyBatch, Sequenced};
    let app = App::start().await;
    let persist = comment::persist::Persist {
        db: app.env.db.pool.clone(),
    };
    let event = |deleted| CommentEvent {
        comment_id: 99,
        video_id: 5,
        user_id: 7,
        content: "hello".into(),
        created_ms: 1_000,
        deleted,
    };
    let delete = [Sequenced {
        seq: 2,
        event: event(true),
    }];
    let post = [Sequenced {
        seq: 1,
        event: event(false),
    }];
    persist.apply(&delete).await.unwrap();
    persist.apply(&post).await.unwrap();
    persist.apply(&delete).await.unwrap();
    let row: (bool, i64, String) =
        sqlx::query_as("SELECT deleted, seq, content FROM comments WHERE id = 99")
            .fetch_one(&app.env.db.pool)
            .await
            .unwrap();
    assert_eq!(row, (true, 2, "hello".to_owned()));
}
