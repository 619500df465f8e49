//! A favorite persistence consumer that dies mid-batch: the batch comes back to the next
//! consumer, nothing is lost, and a batch applied twice changes nothing.

use std::time::Duration;

use contract::favorite::{FavoriteEvent, SetFavorite};
use futures::future::BoxFuture;
use mesh::batch::{ApplyBatch, ApplyError, Sequenced};

use crate::{
    app::App,
    caught_up::FAVORITES,
    likes::{liked_rows, video_by},
    persistence::held_back,
    recording::{Recording, start_favorite_persister},
};

/// `users` like (or unlike) `video` straight through the favorite worker.
async fn set_likes(app: &App, video: i64, users: std::ops::RangeInclusive<i64>, liked: bool) {
    let caller = mesh::Caller::new(
        app.env.nats_client().await.unwrap(),
        Duration::from_secs(10),
    );
    for user_id in users {
        let set = SetFavorite {
            user_id,
            video_id: video,
            liked,
        };
        caller.call(&set).await.unwrap();
    }
}

#[tokio::test]
async fn a_consumer_killed_holding_a_batch_loses_nothing() {
    let mut app = App::start_with(|settings| settings.persist.ack_wait_ms = Some(1_000)).await;
    let (_, _, video) = video_by(&app, "crashy", 24).await;
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let holding = favorite::persister(app.env.db.pool.clone(), js.clone(), &held_back(&app));
    app.favorite.replace_persister(holding).kill();
    set_likes(&app, video, 1..=200, true).await;
    // The premise: the holding consumer has every message in hand, unacknowledged and
    // unapplied, when it crashes.
    FAVORITES.holding(&app, 200).await;
    assert_eq!(liked_rows(&app, video).await, 0, "applied before the crash");
    let fresh = favorite::persister(app.env.db.pool.clone(), js, &app.env.settings);
    app.favorite.replace_persister(fresh).kill();
    FAVORITES.everything_persisted(&app).await;
    assert_eq!(
        liked_rows(&app, video).await,
        200,
        "every acknowledged like"
    );
}

/// Applies a batch, then hangs before returning: a crash between the commit and the ack.
struct CommitThenHang(favorite::persist::Persist);

impl ApplyBatch for CommitThenHang {
    type Event = FavoriteEvent;
    fn apply<'a>(
        &'a self,
        batch: &'a [Sequenced<FavoriteEvent>],
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            self.0.apply(batch).await?;
            futures::future::pending().await
        })
    }
}

/// Counts are derived from the rows and a row's key makes a duplicate impossible, so a
/// batch applied twice can only show as an OLD event overwriting a newer one. So: likes
/// are committed but not acked, the same users unlike, and the likes come back after the
/// unlikes were applied. Applied again, they must not turn the unlikes back into likes.
#[tokio::test]
async fn a_batch_committed_but_not_acked_is_applied_again_and_changes_nothing() {
    let ack_wait = 5_000;
    let mut app = App::start_with(|settings| settings.persist.ack_wait_ms = Some(ack_wait)).await;
    let (_, _, video) = video_by(&app, "twice", 28).await;
    let db = app.env.db.pool.clone();
    // The batch closes at exactly the 100 likes, so all of them are committed at once.
    let crashing = start_favorite_persister(
        &app,
        |persist| (persist.max_batch, persist.max_wait_ms) = (100, 60_000),
        CommitThenHang(favorite::persist::Persist { db }),
    )
    .await;
    app.favorite.replace_persister(crashing).kill();
    set_likes(&app, video, 1..=100, true).await;
    let likes_end = FAVORITES.last_sequence(&app).await;
    FAVORITES.holding(&app, 100).await;
    wait_for_liked_rows(&app, video, 100).await;
    let (recording, batches) = Recording::new(&app);
    let fresh = start_favorite_persister(&app, |_| {}, recording).await;
    // The crash: the likes are in MySQL and unacknowledged.
    app.favorite.replace_persister(fresh).kill();

    set_likes(&app, video, 1..=100, false).await;
    wait_for_liked_rows(&app, video, 0).await;
    FAVORITES.everything_persisted(&app).await;
    let applied = batches.lock().unwrap().concat();
    let first_redelivered = applied.iter().position(|&seq| seq <= likes_end);
    let first_unlike = applied.iter().position(|&seq| seq > likes_end);
    assert!(
        matches!((first_unlike, first_redelivered), (Some(u), Some(r)) if u < r),
        "the premise: the likes were applied again after the unlikes ({applied:?})"
    );
    assert_eq!(liked_rows(&app, video).await, 0, "an old like won again");
    let stale: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM favorites WHERE video_id = ? AND seq <= ?")
            .bind(video)
            .bind(likes_end as i64)
            .fetch_one(&app.env.db.pool)
            .await
            .unwrap();
    assert_eq!(stale, 0, "rows left at the likes' sequences");
}

/// Waits (with a deadline) until MySQL holds `want` liked rows for `video`.
async fn wait_for_liked_rows(app: &App, video: i64, want: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let n = liked_rows(app, video).await;
        if n == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{n} liked rows in MySQL, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
