//! A batch as large as `persist.max_batch = 10000` allows, of long comments, is persisted
//! whole: one statement for it would exceed MySQL's 65,535 placeholders (7 columns × 10,000)
//! and its packet limit, and was retried for ever, stopping comment persistence.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use comment::persist::Persist;
use contract::comment::CommentEvent;
use mesh::batch::{ApplyBatch, Sequenced};
use testkit::TestDb;

const COMMENTS: i64 = 10_000;
const VIDEO: i64 = 5;

fn event(i: i64) -> Sequenced<CommentEvent> {
    Sequenced {
        seq: i as u64,
        event: CommentEvent {
            comment_id: i,
            video_id: VIDEO,
            user_id: 1 + i % 97,
            // ~400 bytes, several of them multi-byte: 10,000 make ~4 MB of text.
            content: format!("{i:06} {}", "long comment é ".repeat(25)),
            created_ms: 1_000 + i,
            deleted: false,
        },
    }
}

#[tokio::test]
async fn ten_thousand_long_comments_in_one_batch_all_reach_mysql() {
    let db = TestDb::create().await.unwrap();
    let batch: Vec<_> = (1..=COMMENTS).map(event).collect();
    let persist = Persist {
        db: db.pool.clone(),
    };
    persist.apply(&batch).await.unwrap();
    let (count, text): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(LENGTH(content)) AS SIGNED) FROM comments WHERE video_id = ?",
    )
    .bind(VIDEO)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(count, COMMENTS);
    let sent: usize = batch.iter().map(|e| e.event.content.len()).sum();
    assert_eq!(text, sent as i64, "every comment's full text is stored");
}
