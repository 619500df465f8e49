//! MySQL down behind the comment and video workers (issue 11, "stop MySQL for 30 s → writes
//! still acknowledged, reads keep answering from hot state"): a comment on a video this
//! worker has seen is acknowledged, the video's list still answers from Redis with it, and
//! it is in MySQL once the database is back.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::comment::{ListComments, PostComment};
use testkit::{Proxy, TestEnv};

const VIDEO: i64 = 4_242;

async fn comments_in_mysql(env: &TestEnv) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE video_id = ?")
        .bind(VIDEO)
        .fetch_one(&env.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_comment_is_taken_and_listed_while_mysql_is_down() {
    let mut env = TestEnv::start().await.unwrap();
    // Both workers reach MySQL through a proxy the test cuts; the test's own pool does not.
    let (proxy, url) = Proxy::for_url(&env.db.url).await.unwrap();
    env.settings.mysql.url = url;
    env.settings.mysql.acquire_timeout_ms = 500;
    env.settings.persist.retry_delay_ms = 100;
    // A video whose media objects do not exist: it is never played here.
    sqlx::query(
        "INSERT IGNORE INTO media (sha256, video_key, cover_key, size_bytes) VALUES (?, 'v', 'c', 1)",
    )
    .bind("e".repeat(64))
    .execute(&env.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO videos (id, author_id, title, sha256, created_ms) VALUES (?, 1, 't', ?, 1)",
    )
    .bind(VIDEO)
    .bind("e".repeat(64))
    .execute(&env.db.pool)
    .await
    .unwrap();
    let nats = env.nats_client().await.unwrap();
    let _videos = video::start(&env.settings, nats.clone()).await.unwrap();
    let _comments = comment::start(&env.settings, nats.clone()).await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(30));
    let post = |text: &str| PostComment {
        user_id: 7,
        video_id: VIDEO,
        text: text.into(),
    };
    let list = ListComments { video_id: VIDEO };
    caller.call(&post("before")).await.unwrap();
    assert_eq!(caller.call(&list).await.unwrap().comments.len(), 1);

    proxy.cut();
    let during = caller.call(&post("during")).await;
    assert!(
        during.is_ok(),
        "a comment on a known video is acknowledged without MySQL: {during:?}"
    );
    let listed = caller.call(&list).await.unwrap().comments;
    let texts: Vec<&str> = listed.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(texts, ["during", "before"], "the list answers from Redis");

    proxy.restore();
    let persisted = testkit::until_eq(Duration::from_secs(30), &2, || async {
        comments_in_mysql(&env).await
    })
    .await;
    println!("both comments in MySQL {persisted:?} after it came back");
}
