//! Retries are one write: the same comment double-submitted (at once or in a row) within the
//! COMMENTS stream's duplicate window is one comment with one id, in the list, the count and
//! MySQL; a different text, or the same text after the first was deleted, is a new comment;
//! repeated likes and follows still land on the same state.

use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    app::{App, ok_json},
    caught_up::COMMENTS,
    comments::{comment_count, delete, list, post, video},
    likes::{feed_video, like},
    social::{follow, ids},
};

fn comment_id(body: &Value) -> i64 {
    body["comment"]["id"].as_i64().unwrap()
}

async fn rows(app: &App, video: i64) -> Vec<(String, bool)> {
    sqlx::query_as("SELECT content, deleted FROM comments WHERE video_id = ? ORDER BY id")
        .bind(video)
        .fetch_all(&app.env.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_comment_posted_twice_at_once_or_in_a_row_is_one_comment() {
    let app = App::start().await;
    let (video, _) = video(&app, 70).await;
    let (_, token) = app.register("retrier", "secret1").await;

    let (a, b) = tokio::join!(
        post(&app, &token, video, "double tap"),
        post(&app, &token, video, "double tap")
    );
    let (a, b) = (ok_json(a).await, ok_json(b).await);
    assert_eq!(
        a["comment"], b["comment"],
        "both answers are the one comment"
    );
    // In a row, with the first one's surrounding spaces: the same trimmed text.
    let again = ok_json(post(&app, &token, video, "  double tap ").await).await;
    assert_eq!(again["comment"], a["comment"]);
    let listed = list(&app, video).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], a["comment"]["id"]);
    assert_eq!(comment_count(&app).await, 1);

    let other = ok_json(post(&app, &token, video, "another thought").await).await;
    assert_ne!(comment_id(&other), comment_id(&a));
    assert_eq!(list(&app, video).await.len(), 2);
    assert_eq!(comment_count(&app).await, 2);

    COMMENTS.everything_persisted(&app).await;
    let stored = rows(&app, video).await;
    let expected = [
        ("double tap".to_owned(), false),
        ("another thought".to_owned(), false),
    ];
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn the_same_text_after_a_delete_is_a_new_comment_and_its_retry_is_not() {
    let app = App::start().await;
    let (video, _) = video(&app, 71).await;
    let (_, token) = app.register("reposter", "secret1").await;

    let first = ok_json(post(&app, &token, video, "take two").await).await;
    ok_json(delete(&app, &token, video, comment_id(&first)).await).await;
    let second = ok_json(post(&app, &token, video, "take two").await).await;
    assert_ne!(comment_id(&second), comment_id(&first));
    let retried = ok_json(post(&app, &token, video, "take two").await).await;
    assert_eq!(retried["comment"], second["comment"]);
    let listed = list(&app, video).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], second["comment"]["id"]);

    // Posting and deleting the same text over and over within seconds ends in a clear 400.
    let mut last = second;
    let refused = loop {
        ok_json(delete(&app, &token, video, comment_id(&last)).await).await;
        let response = post(&app, &token, video, "take two").await;
        if response.status() == StatusCode::BAD_REQUEST {
            break response.json::<Value>().await.unwrap();
        }
        last = ok_json(response).await;
    };
    assert_ne!(refused["status_code"], 0);
    let message = refused["status_msg"].as_str().unwrap();
    assert!(message.contains("wait a few seconds"), "{message}");
    assert!(list(&app, video).await.is_empty());
}

#[tokio::test]
async fn repeated_likes_and_follows_still_land_on_one_state() {
    let app = App::start().await;
    let (video, _) = video(&app, 72).await;
    let (fan, token) = app.register("repeater", "secret1").await;
    let (star, _) = app.register("star", "secret1").await;

    for _ in 0..2 {
        ok_json(like(&app, &token, video, 1).await).await;
        ok_json(follow(&app, &token, star, 1).await).await;
    }
    assert_eq!(feed_video(&app, &token).await["favorite_count"], 1);
    let followers = format!("/douyin/relation/follower/list/?user_id={star}&token={token}");
    assert_eq!(ids(&app, &followers).await, [fan]);

    // A retried undo is still an undo, and liking again after it is a like again.
    for _ in 0..2 {
        ok_json(like(&app, &token, video, 2).await).await;
        ok_json(follow(&app, &token, star, 2).await).await;
    }
    assert_eq!(feed_video(&app, &token).await["favorite_count"], 0);
    assert!(ids(&app, &followers).await.is_empty());
    ok_json(like(&app, &token, video, 1).await).await;
    assert_eq!(feed_video(&app, &token).await["favorite_count"], 1);
}
