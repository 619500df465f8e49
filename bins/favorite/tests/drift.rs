//! Redis and MySQL never drift apart for good (issue 11): a like whose hot-state update
//! failed after the PubAck is mended once it is persisted, and a count or set that Redis
//! lost part of (a fail-over) is found by the verifier and rebuilt. Real NATS, MariaDB and
//! Redis; the time each repair took is printed.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use contract::favorite::{FavoriteEvent, ListFavorites, UserStats, VideoStats};
use fred::prelude::{Client, HashesInterface, SortedSetsInterface};
use testkit::TestEnv;

/// Generous: a repair takes one persisted batch (or one verifier round) on a quiet machine.
const WITHIN: Duration = Duration::from_secs(60);
const VIDEO: i64 = 10;
const AUTHOR: i64 = 4;
/// Liked the video long ago (a MySQL row), so every group starts loaded and non-empty.
const OLD_FAN: i64 = 1;
/// Likes it during the test.
const FAN: i64 = 5;

struct Running {
    env: TestEnv,
    worker: favorite::FavoriteWorker,
    caller: mesh::Caller,
    redis: Client,
}

/// A worker whose verifier runs every `verify_secs` (a group stays in its sample).
async fn start(verify_secs: u64) -> Running {
    let mut env = TestEnv::start().await.unwrap();
    env.settings.hot.verify_interval_secs = verify_secs;
    env.settings.hot.verify_rounds = 10_000;
    // The groups loaded empty must not expire and be rebuilt: that would repair by itself.
    env.settings.hot.empty_ttl_secs = 3_600;
    let nats = env.nats_client().await.unwrap();
    let worker = favorite::start(&env.settings, nats.clone()).await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(30));
    let redis = settings::connect_redis(&env.settings.redis).await.unwrap();
    let app = Running {
        env,
        worker,
        caller,
        redis,
    };
    sqlx::query(
        "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) \
         VALUES (?, ?, ?, TRUE, 0, 1)",
    )
    .bind(OLD_FAN)
    .bind(VIDEO)
    .bind(AUTHOR)
    .execute(&app.env.db.pool)
    .await
    .unwrap();
    app
}

/// What a user sees: (the video's like count, the author's likes received, the fan's liked
/// count, the fan's liked list).
type Seen = (i64, i64, i64, Vec<i64>);

impl Running {
    async fn seen(&self) -> Seen {
        let video = VideoStats {
            video_ids: vec![VIDEO],
            viewer: None,
        };
        let video = self.caller.call(&video).await.unwrap().stats[0];
        let users = UserStats {
            user_ids: vec![AUTHOR, FAN],
        };
        let users = self.caller.call(&users).await.unwrap().stats;
        let list = ListFavorites { user_id: FAN };
        let list = self.caller.call(&list).await.unwrap().video_ids;
        (
            video.favorite_count,
            users[0].total_favorited,
            users[1].favorite_count,
            list,
        )
    }

    /// Stores a like in the stream only, as a write whose hot-state update failed after
    /// the PubAck leaves it (the client saw an error; MySQL will hold it).
    async fn publish_like(&self) -> (u64, FavoriteEvent) {
        let event = FavoriteEvent {
            user_id: FAN,
            video_id: VIDEO,
            author_id: AUTHOR,
            liked: true,
            at_ms: 2,
        };
        let js = async_nats::jetstream::new(self.env.nats_client().await.unwrap());
        let subject = contract::favorite::event_subject(AUTHOR, VIDEO, FAN);
        let seq = mesh::events::publish(&js, subject, &event, None)
            .await
            .unwrap()
            .sequence;
        (seq, event)
    }

    async fn persisted(&self) -> bool {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM favorites WHERE user_id = ?")
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

    fn key(&self, group: &str, part: &str) -> String {
        format!("{}fav:{{{group}}}:{part}", self.env.settings.redis.prefix)
    }
}

#[tokio::test]
async fn a_like_whose_hot_update_failed_is_counted_once_it_is_persisted() {
    // No verifier round within the test: the persister's repair alone must mend it.
    let app = start(3_600).await;
    assert_eq!(app.seen().await, (1, 1, 0, vec![]), "every group loaded");
    app.publish_like().await;
    let took = app.until_seen(&(2, 2, 1, vec![VIDEO])).await;
    println!("favorite: a like missing from Redis was counted {took:?} after its PubAck");
    assert!(app.persisted().await);
    app.worker.shutdown().await;
}

#[tokio::test]
async fn a_like_count_and_liked_set_that_redis_partly_lost_are_rebuilt_by_the_verifier() {
    let app = start(1).await;
    assert_eq!(app.seen().await, (1, 1, 0, vec![]));
    let (seq, event) = app.publish_like().await;
    app.worker.state().hot.apply(seq, &event).await.unwrap();
    let deadline = Instant::now() + WITHIN;
    while !app.persisted().await {
        assert!(Instant::now() < deadline, "the like was never persisted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let right = (2, 2, 1, vec![VIDEO]);
    assert_eq!(app.seen().await, right);
    // A fail-over that lost part of the groups: a count off, a liked video gone.
    let _: () = app
        .redis
        .hset(app.key(&format!("v{VIDEO}"), "p"), ("_n", 7))
        .await
        .unwrap();
    let _: () = app
        .redis
        .zrem(app.key(&format!("u{FAN}"), "set"), VIDEO.to_string())
        .await
        .unwrap();
    let _: () = app
        .redis
        .hset(
            app.key(&format!("a{AUTHOR}"), "p"),
            (format!("{FAN}:{VIDEO}"), "-1"),
        )
        .await
        .unwrap();
    assert_eq!(
        app.seen().await.0,
        7,
        "the corruption is served until repaired"
    );
    let took = app.until_seen(&right).await;
    println!("favorite: a partly lost like count and liked set were right again after {took:?}");
    app.worker.shutdown().await;
}
