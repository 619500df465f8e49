//! Redis and MySQL never drift apart for good (issue 11): a comment whose hot-state update
//! failed after the PubAck is listed and counted once it is persisted, and a video whose
//! comment state Redis lost part of (a fail-over) is found by the verifier and rebuilt.
//! Real NATS, MariaDB and Redis; the time each repair took is printed.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use contract::comment::{CommentCounts, CommentEvent, ListComments};
use fred::prelude::{Client, HashesInterface, SortedSetsInterface};
use testkit::TestEnv;

/// Generous: a repair takes one persisted batch (or one verifier round) on a quiet machine.
const WITHIN: Duration = Duration::from_secs(60);
const VIDEO: i64 = 10;
/// A comment stored long ago (a MySQL row), so the video starts loaded and non-empty.
const OLD: i64 = 100;
/// The comment written during the test.
const NEW: i64 = 200;

struct Running {
    env: TestEnv,
    worker: comment::CommentWorker,
    caller: mesh::Caller,
    redis: Client,
}

/// A worker whose verifier runs every `verify_secs` (a video stays in its sample).
async fn start(verify_secs: u64) -> Running {
    let mut env = TestEnv::start().await.unwrap();
    env.settings.hot.verify_interval_secs = verify_secs;
    env.settings.hot.verify_rounds = 10_000;
    let nats = env.nats_client().await.unwrap();
    let worker = comment::start(&env.settings, nats.clone()).await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(30));
    let redis = settings::connect_redis(&env.settings.redis).await.unwrap();
    sqlx::query(
        "INSERT INTO comments (id, video_id, user_id, content, created_ms, deleted, seq) \
         VALUES (?, ?, 1, 'old', 1, FALSE, 0)",
    )
    .bind(OLD)
    .bind(VIDEO)
    .execute(&env.db.pool)
    .await
    .unwrap();
    Running {
        env,
        worker,
        caller,
        redis,
    }
}

/// What a user sees: the video's comment count and its comments' texts, newest first.
type Seen = (i64, Vec<String>);

impl Running {
    async fn seen(&self) -> Seen {
        let counts = CommentCounts {
            video_ids: vec![VIDEO],
        };
        let count = self.caller.call(&counts).await.unwrap().counts[0].count;
        let list = ListComments { video_id: VIDEO };
        let list = self.caller.call(&list).await.unwrap().comments;
        (count, list.into_iter().map(|c| c.content).collect())
    }

    /// Stores a comment in the stream only, as a write whose hot-state update failed after
    /// the PubAck leaves it (the client saw an error; MySQL will hold it).
    async fn publish_comment(&self) -> (u64, CommentEvent) {
        let event = CommentEvent {
            comment_id: NEW,
            video_id: VIDEO,
            user_id: 5,
            content: "new".into(),
            created_ms: 2,
            deleted: false,
        };
        let js = async_nats::jetstream::new(self.env.nats_client().await.unwrap());
        let subject = contract::comment::event_subject(VIDEO, NEW);
        let seq = mesh::events::publish(&js, subject, &event, None)
            .await
            .unwrap()
            .sequence;
        (seq, event)
    }

    async fn persisted(&self) -> bool {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM comments WHERE id = ?")
            .bind(NEW)
            .fetch_one(&self.env.db.pool)
            .await
            .unwrap();
        n == 1
    }

    /// Waits until the answers are `want`; how long it took.
    async fn until_seen(&self, want: &Seen) -> Duration {
        testkit::until_eq(WITHIN, want, || self.seen()).await
    }

    fn key(&self, part: &str) -> String {
        format!("{}cm:{{v{VIDEO}}}:{part}", self.env.settings.redis.prefix)
    }
}

fn right() -> Seen {
    (2, vec!["new".into(), "old".into()])
}

#[tokio::test]
async fn a_comment_whose_hot_update_failed_is_listed_once_it_is_persisted() {
    // No verifier round within the test: the persister's repair alone must mend it.
    let app = start(3_600).await;
    assert_eq!(
        app.seen().await,
        (1, vec!["old".into()]),
        "the video loaded"
    );
    app.publish_comment().await;
    let took = app.until_seen(&right()).await;
    println!("comment: a comment missing from Redis was listed {took:?} after its PubAck");
    assert!(app.persisted().await);
    app.worker.shutdown().await;
}

#[tokio::test]
async fn comments_that_redis_partly_lost_are_rebuilt_by_the_verifier() {
    let app = start(1).await;
    assert_eq!(app.seen().await.0, 1);
    let (seq, event) = app.publish_comment().await;
    app.worker.state().hot.apply(seq, &event).await.unwrap();
    let deadline = Instant::now() + WITHIN;
    while !app.persisted().await {
        assert!(Instant::now() < deadline, "the comment was never persisted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.seen().await, right());
    // A fail-over that lost part of the video's state: the new comment's id, the old
    // comment's body.
    let _: () = app.redis.zrem(app.key("z"), NEW.to_string()).await.unwrap();
    let _: () = app.redis.hdel(app.key("b"), OLD.to_string()).await.unwrap();
    assert_eq!(app.seen().await.0, 1, "the loss is served until repaired");
    let took = app.until_seen(&right()).await;
    println!("comment: a partly lost comment list was right again after {took:?}");
    app.worker.shutdown().await;
}
