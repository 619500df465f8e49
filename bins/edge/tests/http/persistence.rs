//! Likes persisted through JetStream in batches: replays, out-of-order redelivery, poison
//! messages, and two instances sharing one consumer (a consumer killed mid-batch:
//! `redelivery.rs`).

use std::time::{Duration, Instant};

use contract::favorite::{FavoriteEvent, SetFavorite};

use crate::{
    app::{App, ok_json},
    caught_up::FAVORITES,
    likes::{feed_video, like, liked_rows, video_by},
    recording::{Recording, start_favorite_persister},
};

/// Settings whose consumer waits long for batches (so it holds messages unacknowledged).
pub(crate) fn held_back(app: &App) -> settings::Settings {
    let mut settings = app.env.settings.clone();
    settings.persist.max_batch = 5_000;
    settings.persist.max_wait_ms = 60_000;
    settings
}

#[tokio::test]
async fn replayed_and_reordered_batches_change_nothing() {
    use mesh::batch::{ApplyBatch, Sequenced};
    let app = App::start().await;
    let persist = favorite::persist::Persist {
        db: app.env.db.pool.clone(),
    };
    let event = |user_id, liked, at_ms| FavoriteEvent {
        user_id,
        video_id: 77,
        author_id: 5,
        liked,
        at_ms,
    };
    let batch = vec![
        Sequenced {
            seq: 11,
            event: event(1, true, 100),
        },
        Sequenced {
            seq: 12,
            event: event(1, false, 200),
        },
        Sequenced {
            seq: 13,
            event: event(1, true, 300),
        },
        Sequenced {
            seq: 14,
            event: event(2, true, 400),
        },
    ];
    persist.apply(&batch).await.unwrap();
    let snapshot = || async {
        sqlx::query_as::<_, (i64, bool, i64, i64)>(
            "SELECT user_id, liked, seq, liked_ms FROM favorites WHERE video_id = 77 ORDER BY user_id",
        )
        .fetch_all(&app.env.db.pool)
        .await
        .unwrap()
    };
    let first = snapshot().await;
    assert_eq!(first, [(1, true, 13, 300), (2, true, 14, 400)]);
    // The same batch again, then its messages one by one in reverse (redelivered out of order).
    persist.apply(&batch).await.unwrap();
    for item in batch.iter().rev() {
        persist.apply(std::slice::from_ref(item)).await.unwrap();
    }
    assert_eq!(snapshot().await, first);
}

#[tokio::test]
async fn a_poison_message_is_dead_lettered_and_the_rest_persist() {
    let app = App::start().await;
    let (_, token, video) = video_by(&app, "poisoned", 25).await;
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    js.publish("evt.favorite.1.2.3", "this is not JSON".into())
        .await
        .unwrap()
        .await
        .unwrap();
    ok_json(like(&app, &token, video, 1).await).await;
    FAVORITES.everything_persisted(&app).await;
    assert_eq!(
        liked_rows(&app, video).await,
        1,
        "the message behind the poison"
    );
    let mut dead = js.get_stream("DEAD_LETTERS").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while dead.info().await.unwrap().state.messages == 0 {
        assert!(
            Instant::now() < deadline,
            "nothing was dead-lettered in 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let letter = dead
        .get_last_raw_message_by_subject("dead.FAVORITES.favorite-persist")
        .await
        .unwrap();
    assert_eq!(&letter.payload[..], b"this is not JSON");
    let headers = letter.headers;
    assert!(
        headers
            .get("Gophertok-Dead-Reason")
            .unwrap()
            .as_str()
            .contains("undecodable")
    );
}

#[tokio::test]
async fn two_instances_share_one_consumer_and_split_the_work() {
    let mut app = App::start().await;
    let (_, _, video) = video_by(&app, "shared", 26).await;
    let (first, first_batches) = Recording::new(&app);
    let (second, second_batches) = Recording::new(&app);
    let first = start_favorite_persister(&app, |p| p.max_batch = 20, first).await;
    let second = start_favorite_persister(&app, |p| p.max_batch = 20, second).await;
    app.favorite.replace_persister(first).kill();
    let caller = mesh::Caller::new(
        app.env.nats_client().await.unwrap(),
        Duration::from_secs(10),
    );
    let likes = (1..=400).map(|user_id| {
        let caller = caller.clone();
        async move {
            caller
                .call(&SetFavorite {
                    user_id,
                    video_id: video,
                    liked: true,
                })
                .await
                .unwrap()
        }
    });
    futures::future::join_all(likes).await;
    FAVORITES.everything_persisted(&app).await;
    assert_eq!(liked_rows(&app, video).await, 400);
    second.stop().await;
    let (a, b) = (
        first_batches.lock().unwrap().len(),
        second_batches.lock().unwrap().len(),
    );
    assert!(
        a > 0 && b > 0,
        "one instance did all the work ({a} and {b} batches)"
    );
}

#[tokio::test]
async fn republished_events_change_nothing() {
    let app = App::start().await;
    let (_, token, video) = video_by(&app, "replayed", 27).await;
    let (_, other) = app.register("replayer", "secret1").await;
    ok_json(like(&app, &token, video, 1).await).await;
    ok_json(like(&app, &other, video, 1).await).await;
    ok_json(like(&app, &other, video, 2).await).await;
    let snapshot = || async {
        sqlx::query_as::<_, (i64, bool, i64)>(
            "SELECT user_id, liked, liked_ms FROM favorites WHERE video_id = ? ORDER BY user_id",
        )
        .bind(video)
        .fetch_all(&app.env.db.pool)
        .await
        .unwrap()
    };
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let stream = js.get_stream("FAVORITES").await.unwrap();
    let last = FAVORITES.last_sequence(&app).await;
    FAVORITES.persisted_through(&app, last).await;
    let before = snapshot().await;
    // Likes carry no message id (setting a like twice is the same state): replayed as new
    // events, they are stored and applied again, and change nothing.
    for seq in 1..=last {
        let stored = stream.get_raw_message(seq).await.unwrap();
        js.publish(stored.subject.to_string(), stored.payload.clone())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    FAVORITES.persisted_through(&app, 2 * last).await;
    assert_eq!(snapshot().await, before);
    assert_eq!(feed_video(&app, &token).await["favorite_count"], 1);
}
