//! Likes persisted through JetStream in batches: a consumer killed mid-batch, replays,
//! out-of-order redelivery, poison messages, and two instances sharing one consumer.

use std::time::{Duration, Instant};

use contract::favorite::{FavoriteEvent, SetFavorite};

use crate::{
    app::{App, ok_json},
    likes::{feed_video, like, persisted_likes, video_by},
};

/// Settings whose consumer waits long for batches (so it holds messages unacknowledged).
pub(crate) fn held_back(app: &App) -> settings::Settings {
    let mut settings = app.env.settings.clone();
    settings.persist.max_batch = 5_000;
    settings.persist.max_wait_ms = 60_000;
    settings
}

#[tokio::test]
async fn a_consumer_killed_mid_batch_loses_nothing_and_duplicates_nothing() {
    let mut app = App::start_with(|settings| settings.persist.ack_wait_ms = Some(1_000)).await;
    let (_, _, video) = video_by(&app, "crashy", 24).await;
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let holding = favorite::persister(app.env.db.pool.clone(), js.clone(), &held_back(&app));
    app.favorite.replace_persister(holding).kill();
    let holding = favorite::persister(app.env.db.pool.clone(), js.clone(), &held_back(&app));
    let caller = mesh::Caller::new(
        app.env.nats_client().await.unwrap(),
        Duration::from_secs(10),
    );
    for user_id in 1..=200 {
        caller
            .call(&SetFavorite {
                user_id,
                video_id: video,
                liked: true,
            })
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The holding consumer has the messages in hand, unacknowledged: kill it like a crash.
    app.favorite.replace_persister(holding).kill();
    let fresh = favorite::persister(app.env.db.pool.clone(), js, &app.env.settings);
    app.favorite.replace_persister(fresh).kill();
    assert_eq!(persisted_likes(&app, video, 200).await, 200);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM favorites WHERE video_id = ?")
        .bind(video)
        .fetch_one(&app.env.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 200, "every acknowledged like exactly once");
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
    assert_eq!(
        persisted_likes(&app, video, 1).await,
        1,
        "the message behind the poison"
    );
    let mut dead = js.get_stream("DEAD_LETTERS").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while dead.info().await.unwrap().state.messages == 0 && Instant::now() < deadline {
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

/// Counts the batches one persister applied, then lets the real one apply them.
struct Counting {
    inner: favorite::persist::Persist,
    batches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl mesh::batch::ApplyBatch for Counting {
    type Event = FavoriteEvent;
    fn apply<'a>(
        &'a self,
        batch: &'a [mesh::batch::Sequenced<FavoriteEvent>],
    ) -> futures::future::BoxFuture<'a, Result<(), mesh::batch::ApplyError>> {
        self.batches
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.apply(batch)
    }
}

#[tokio::test]
async fn two_instances_share_one_consumer_and_split_the_work() {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let mut app = App::start().await;
    let (_, _, video) = video_by(&app, "shared", 26).await;
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let mut settings = app.env.settings.clone();
    settings.persist.max_batch = 20;
    let counts = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let start = |batches: Arc<AtomicUsize>| {
        let spec = mesh::batch::BatchSpec::new(&settings.persist, "FAVORITES", "favorite-persist");
        let inner = favorite::persist::Persist {
            db: app.env.db.pool.clone(),
        };
        mesh::batch::Persister::start(js.clone(), spec, Counting { inner, batches })
    };
    let (first, second) = (start(Arc::clone(&counts[0])), start(Arc::clone(&counts[1])));
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
    assert_eq!(persisted_likes(&app, video, 400).await, 400);
    second.stop().await;
    let (a, b) = (
        counts[0].load(Ordering::SeqCst),
        counts[1].load(Ordering::SeqCst),
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
    let last = stream.get_info().await.unwrap().state.last_sequence;
    persisted_through(&js, last).await;
    let before = snapshot().await;
    // Republished with their message ids, the copies are dropped by the stream itself…
    for seq in 1..=last {
        let stored = stream.get_raw_message(seq).await.unwrap();
        let ack = js
            .publish_with_headers(
                stored.subject.to_string(),
                stored.headers.clone(),
                stored.payload.clone(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
        assert!(ack.duplicate, "event {seq} was stored twice");
    }
    // …and replayed as new events (no id), they are applied again and change nothing.
    for seq in 1..=last {
        let stored = stream.get_raw_message(seq).await.unwrap();
        js.publish(stored.subject.to_string(), stored.payload.clone())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let info = js.get_stream("FAVORITES").await.unwrap();
    while info
        .consumer_info("favorite-persist")
        .await
        .unwrap()
        .ack_floor
        .stream_sequence
        < 2 * last
    {
        assert!(Instant::now() < deadline, "the replay was not persisted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(snapshot().await, before);
    assert_eq!(feed_video(&app, &token).await["favorite_count"], 1);
}

/// Waits until the persistence consumer has acknowledged every event up to `seq`.
async fn persisted_through(js: &async_nats::jetstream::Context, seq: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let stream = js.get_stream("FAVORITES").await.unwrap();
    while stream
        .consumer_info("favorite-persist")
        .await
        .unwrap()
        .ack_floor
        .stream_sequence
        < seq
    {
        assert!(
            Instant::now() < deadline,
            "events up to {seq} were not persisted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
