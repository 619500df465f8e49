//! Redis and MySQL never drift apart for good (issue 11): a follow whose hot-state update
//! failed after the PubAck is counted and listed once it is persisted, and sides that Redis
//! lost part of (a fail-over) are found by the verifier and rebuilt. Real NATS, MariaDB
//! and Redis; the time each repair took is printed.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use contract::relation::{FollowEvent, ListKind, ListRelations, RelationStats};
use fred::prelude::{Client, SortedSetsInterface};
use testkit::TestEnv;

/// Generous: a repair takes one persisted batch (or one verifier round) on a quiet machine.
const WITHIN: Duration = Duration::from_secs(60);
const STAR: i64 = 4;
/// Followed the star long ago (a MySQL row), so the star's sides start loaded.
const OLD_FAN: i64 = 1;
/// Follows the star during the test.
const FAN: i64 = 5;

struct Running {
    env: TestEnv,
    worker: relation::RelationWorker,
    caller: mesh::Caller,
    redis: Client,
}

/// A worker whose verifier runs every `verify_secs` (a side stays in its sample).
async fn start(verify_secs: u64) -> Running {
    let mut env = TestEnv::start().await.unwrap();
    env.settings.hot.verify_interval_secs = verify_secs;
    env.settings.hot.verify_rounds = 10_000;
    // The sides loaded empty must not expire and be rebuilt: that would repair by itself.
    env.settings.hot.empty_ttl_secs = 3_600;
    let nats = env.nats_client().await.unwrap();
    let worker = relation::start(&env.settings, nats.clone()).await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(30));
    let redis = settings::connect_redis(&env.settings.redis).await.unwrap();
    sqlx::query(
        "INSERT INTO follows (follower_id, followee_id, following, seq, at_ms) \
         VALUES (?, ?, TRUE, 0, 1)",
    )
    .bind(OLD_FAN)
    .bind(STAR)
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

/// What a user sees: the star's follower count, the fan's follow count, the star's
/// followers (newest first) and whom the fan follows.
type Seen = (i64, i64, Vec<i64>, Vec<i64>);

impl Running {
    async fn list(&self, user_id: i64, kind: ListKind) -> Vec<i64> {
        let list = ListRelations {
            user_id,
            kind,
            after: None,
        };
        self.caller.call(&list).await.unwrap().user_ids
    }

    async fn seen(&self) -> Seen {
        let stats = RelationStats {
            user_ids: vec![STAR, FAN],
            viewer: None,
        };
        let stats = self.caller.call(&stats).await.unwrap().stats;
        (
            stats[0].follower_count,
            stats[1].follow_count,
            self.list(STAR, ListKind::Followers).await,
            self.list(FAN, ListKind::Follows).await,
        )
    }

    /// Stores a follow in the stream only, as a write whose hot-state update failed after
    /// the PubAck leaves it (the client saw an error; MySQL will hold it).
    async fn publish_follow(&self) -> (u64, FollowEvent) {
        let event = FollowEvent {
            follower_id: FAN,
            followee_id: STAR,
            following: true,
            at_ms: 2,
        };
        let js = async_nats::jetstream::new(self.env.nats_client().await.unwrap());
        let subject = contract::relation::event_subject(FAN, STAR);
        let seq = mesh::events::publish(&js, subject, &event, None)
            .await
            .unwrap()
            .sequence;
        (seq, event)
    }

    async fn persisted(&self) -> bool {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM follows WHERE follower_id = ?")
            .bind(FAN)
            .fetch_one(&self.env.db.pool)
            .await
            .unwrap();
        n == 1
    }

    /// Waits until the answers are `want`; how long it took.
    async fn until_seen(&self, want: &Seen) -> Duration {
        testkit::until_eq(WITHIN, want, || self.seen()).await
    }

    fn key(&self, user: i64, part: &str) -> String {
        format!("{}rel:{{u{user}}}:{part}", self.env.settings.redis.prefix)
    }
}

fn right() -> Seen {
    (2, 1, vec![FAN, OLD_FAN], vec![STAR])
}

#[tokio::test]
async fn a_follow_whose_hot_update_failed_is_counted_once_it_is_persisted() {
    // No verifier round within the test: the persister's repair alone must mend it.
    let app = start(3_600).await;
    assert_eq!(
        app.seen().await,
        (1, 0, vec![OLD_FAN], vec![]),
        "sides loaded"
    );
    app.publish_follow().await;
    let took = app.until_seen(&right()).await;
    println!("relation: a follow missing from Redis was counted {took:?} after its PubAck");
    assert!(app.persisted().await);
    app.worker.shutdown().await;
}

#[tokio::test]
async fn sides_that_redis_partly_lost_are_rebuilt_by_the_verifier() {
    let app = start(1).await;
    assert_eq!(app.seen().await.0, 1);
    let (seq, event) = app.publish_follow().await;
    let applied = app.worker.state().hot.apply(seq, &event).await.unwrap();
    assert_eq!(applied, [true, true], "both sides were loaded");
    let deadline = Instant::now() + WITHIN;
    while !app.persisted().await {
        assert!(Instant::now() < deadline, "the follow was never persisted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.seen().await, right());
    // A fail-over that lost part of both sides: the new follower, the fan's follow.
    let _: () = app
        .redis
        .zrem(app.key(STAR, "i"), FAN.to_string())
        .await
        .unwrap();
    let _: () = app
        .redis
        .zrem(app.key(FAN, "o"), STAR.to_string())
        .await
        .unwrap();
    assert_eq!(app.seen().await.0, 1, "the loss is served until repaired");
    let took = app.until_seen(&right()).await;
    println!("relation: partly lost follow sides were right again after {took:?}");
    app.worker.shutdown().await;
}
