//! Batches as large as `persist.max_batch = 10000` allows, of long comments, are persisted
//! whole: one statement for 10,000 comments exceeds MySQL's 65,535 placeholders (7 columns
//! each), one for 2,500 comments of 2,000 four-byte characters the 16 MiB packet limit,
//! and either was retried for ever, stopping comment persistence.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use async_nats::jetstream;
use comment::persist::Persist;
use contract::comment::{CommentEvent, event_subject};
use mesh::batch::{ApplyBatch, Sequenced};
use testkit::{TestDb, TestEnv};

const VIDEO: i64 = 5;

fn comment(i: i64, content: String) -> Sequenced<CommentEvent> {
    Sequenced {
        seq: i as u64,
        event: CommentEvent {
            comment_id: i,
            video_id: VIDEO,
            user_id: 1 + i % 97,
            content,
            created_ms: 1_000 + i,
            deleted: false,
        },
    }
}

/// ~400 bytes, some of them multi-byte.
fn long(i: i64) -> String {
    format!("{i:06} {}", "long comment é ".repeat(25))
}

/// How many comments of the video MySQL holds, and their text's total bytes.
async fn stored(db: &TestDb) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(LENGTH(content)), 0) AS SIGNED) \
         FROM comments WHERE video_id = ?",
    )
    .bind(VIDEO)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

async fn apply_and_check(batch: &[Sequenced<CommentEvent>]) {
    let db = TestDb::create().await.unwrap();
    let persist = Persist {
        db: db.pool.clone(),
    };
    persist.apply(batch).await.unwrap();
    let sent: usize = batch.iter().map(|e| e.event.content.len()).sum();
    assert_eq!(stored(&db).await, (batch.len() as i64, sent as i64));
}

#[tokio::test]
async fn ten_thousand_long_comments_in_one_batch_all_reach_mysql() {
    let batch: Vec<_> = (1..=10_000).map(|i| comment(i, long(i))).collect();
    apply_and_check(&batch).await;
}

#[tokio::test]
async fn a_batch_over_the_packet_limit_reaches_mysql() {
    // 2,500 × 8,000 bytes = 20 MB: over 16 MiB, though far under the placeholder limit.
    let batch: Vec<_> = (1..=2_500)
        .map(|i| comment(i, "😀".repeat(2_000)))
        .collect();
    apply_and_check(&batch).await;
}

#[tokio::test]
async fn the_persister_stores_a_full_ten_thousand_batch_from_the_stream() {
    let mut env = TestEnv::start().await.unwrap();
    env.settings.persist.max_batch = 10_000;
    env.settings.persist.max_wait_ms = 2_000;
    let js = jetstream::new(env.nats_client().await.unwrap());
    let settings = &env.settings;
    mesh::streams::ensure_persisted(&js, comment::STREAM_FILE, comment::CONSUMER_FILE, settings)
        .await
        .unwrap();
    // Published before the persister starts, so its first pull is one 10,000 batch; acks
    // are awaited in windows, as the client holds back publishes with too many pending.
    for window in (1..=10_000).collect::<Vec<i64>>().chunks(500) {
        let mut acks = Vec::new();
        for &i in window {
            let payload = serde_json::to_vec(&comment(i, long(i)).event).unwrap();
            acks.push(
                js.publish(event_subject(VIDEO, i), payload.into())
                    .await
                    .unwrap(),
            );
        }
        for ack in acks {
            ack.await.unwrap();
        }
    }
    let persister = comment::persister(env.db.pool.clone(), js.clone(), &env.settings);
    let started = Instant::now();
    while stored(&env.db).await.0 < 10_000 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    persister.stop().await;
    assert_eq!(stored(&env.db).await.0, 10_000, "every comment persisted");
}
