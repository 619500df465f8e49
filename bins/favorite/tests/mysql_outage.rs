//! MySQL going down under the real favorite persister: events published while the database
//! is cut are retried, and once it is back every event is persisted exactly once, with
//! nothing dead-lettered.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use async_nats::jetstream;
use contract::favorite::FavoriteEvent;
use testkit::TestEnv;

const VIDEO: i64 = 77;

async fn like(js: &jetstream::Context, user_id: i64) {
    let event = FavoriteEvent {
        user_id,
        video_id: VIDEO,
        author_id: 1,
        liked: true,
        at_ms: 1_000,
    };
    let subject = format!("evt.favorite.1.{VIDEO}.{user_id}");
    let payload = serde_json::to_vec(&event).unwrap();
    js.publish(subject, payload.into())
        .await
        .unwrap()
        .await
        .unwrap();
}

async fn persisted(env: &TestEnv) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM favorites WHERE video_id = ?")
        .bind(VIDEO)
        .fetch_one(&env.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_like_is_persisted_once_after_mysql_comes_back() {
    let mut env = TestEnv::start().await.unwrap();
    env.settings.persist.retry_delay_ms = 100;
    let js = jetstream::new(env.nats_client().await.unwrap());
    favorite::ensure_streams(&js, &env.settings).await.unwrap();
    let (proxy, url) = testkit::Proxy::for_url(&env.db.url).await.unwrap();
    let mut mysql = env.settings.mysql.clone();
    mysql.url = url;
    let pool = settings::connect_mysql(&mysql).await.unwrap();
    let persister = favorite::persister(pool, js.clone(), &env.settings);
    for user in 1..=50 {
        like(&js, user).await;
    }
    proxy.cut();
    for user in 51..=150 {
        like(&js, user).await;
    }
    // The outage is seen: a batch failed while MySQL was cut and came back for a retry.
    let stream = js.get_stream("FAVORITES").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = stream.consumer_info("favorite-persist").await.unwrap();
        if info.num_redelivered > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no batch failed during the outage"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    while persisted(&env).await < 150 {
        assert!(Instant::now() < deadline, "not every like was persisted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    persister.stop().await;
    assert_eq!(persisted(&env).await, 150, "each like exactly once");
    let mut dead = js.get_stream("DEAD_LETTERS").await.unwrap();
    assert_eq!(
        dead.info().await.unwrap().state.messages,
        0,
        "nothing dead-lettered"
    );
}
