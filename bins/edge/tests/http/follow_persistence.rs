//! Follows persisted from the RELATIONS stream: replayed and reordered batches leave the
//! `follows` table and the counts rebuilt from it exactly as the newest events set them.

use std::time::Duration;

use contract::relation::{FollowEvent, RelationStat, RelationStats};
use mesh::batch::{ApplyBatch, Sequenced};

use crate::{app::App, caught_up::RELATIONS};

fn follow(seq: u64, follower_id: i64, followee_id: i64, following: bool) -> Sequenced<FollowEvent> {
    let at_ms = seq as i64 * 100;
    Sequenced {
        seq,
        event: FollowEvent {
            follower_id,
            followee_id,
            following,
            at_ms,
        },
    }
}

async fn follows_table(app: &App) -> Vec<(i64, i64, bool, i64, i64)> {
    sqlx::query_as(
        "SELECT follower_id, followee_id, following, seq, at_ms FROM follows \
         ORDER BY follower_id, followee_id",
    )
    .fetch_all(&app.env.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn replayed_and_reordered_follow_batches_change_nothing() {
    let app = App::start().await;
    let persist = relation::persist::Persist {
        db: app.env.db.pool.clone(),
    };
    let batch = vec![
        follow(11, 1, 2, true),
        follow(12, 1, 2, false),
        follow(13, 1, 2, true),
        follow(14, 3, 2, true),
        follow(15, 1, 4, true),
        follow(16, 1, 4, false),
    ];
    persist.apply(&batch).await.unwrap();
    let first = follows_table(&app).await;
    assert_eq!(
        first,
        [
            (1, 2, true, 13, 1300),
            (1, 4, false, 16, 1600),
            (3, 2, true, 14, 1400)
        ]
    );
    // The same batch again, one reversed (older events after newer ones in one statement),
    // then its messages one by one in reverse (redelivered out of order).
    persist.apply(&batch).await.unwrap();
    let reversed: Vec<_> = batch.iter().rev().cloned().collect();
    persist.apply(&reversed).await.unwrap();
    for item in &reversed {
        persist.apply(std::slice::from_ref(item)).await.unwrap();
    }
    assert_eq!(follows_table(&app).await, first);

    // The counts and flags rebuilt from these rows (Redis holds nothing for these users).
    let caller = mesh::Caller::new(
        app.env.nats_client().await.unwrap(),
        Duration::from_secs(10),
    );
    let stats = caller
        .call(&RelationStats {
            user_ids: vec![1, 2, 3, 4],
            viewer: Some(1),
        })
        .await
        .unwrap()
        .stats;
    let stat = |user_id, follow_count, follower_count, viewer_follows| RelationStat {
        user_id,
        follow_count,
        follower_count,
        viewer_follows,
    };
    assert_eq!(
        stats,
        [
            stat(1, 1, 0, false),
            stat(2, 0, 2, true),
            stat(3, 1, 0, false),
            stat(4, 0, 0, false)
        ]
    );
}

#[tokio::test]
async fn a_follow_consumer_killed_mid_batch_loses_nothing_and_ends_in_the_latest_state() {
    use contract::relation::SetFollow;
    let mut app = App::start_with(|settings| settings.persist.ack_wait_ms = Some(1_000)).await;
    let (star, _) = app.register("star", "secret1").await;
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let holding = relation::persister(
        app.env.db.pool.clone(),
        js.clone(),
        &crate::persistence::held_back(&app),
    );
    app.relation().replace_persister(holding).kill();
    let caller = mesh::Caller::new(
        app.env.nats_client().await.unwrap(),
        Duration::from_secs(10),
    );
    // 100 follows, then 20 of them undone: a stale event applied again would show as a row
    // whose state or sequence is not its pair's last one.
    let mut last = std::collections::BTreeMap::new();
    for (follower_id, following) in (1..=100)
        .map(|f| (f, true))
        .chain((1..=20).map(|f| (f, false)))
    {
        let request = SetFollow {
            follower_id,
            followee_id: star,
            following,
        };
        let seq = caller.call(&request).await.unwrap().seq as i64;
        last.insert(follower_id, (following, seq));
    }
    RELATIONS.holding(&app, 120).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM follows")
        .fetch_one(&app.env.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "premise: the killed consumer had applied nothing");
    // Kill the one holding every message unacknowledged, like a crash; a fresh one takes over.
    let fresh = relation::persister(app.env.db.pool.clone(), js, &app.env.settings);
    app.relation().replace_persister(fresh).kill();
    let newest = last.values().map(|(_, seq)| *seq).max().unwrap();
    RELATIONS.persisted_through(&app, newest as u64).await;
    let table: Vec<(i64, bool, i64)> = sqlx::query_as(
        "SELECT follower_id, following, seq FROM follows WHERE followee_id = ? ORDER BY follower_id",
    )
    .bind(star)
    .fetch_all(&app.env.db.pool)
    .await
    .unwrap();
    let expected: Vec<(i64, bool, i64)> =
        last.iter().map(|(f, (on, seq))| (*f, *on, *seq)).collect();
    assert_eq!(
        table, expected,
        "every pair once, in its last acknowledged state"
    );
}
