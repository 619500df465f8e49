//! Follows persisted from the RELATIONS stream: replayed and reordered batches leave the
//! `follows` table and the counts rebuilt from it exactly as the newest events set them.

use std::time::Duration;

use contract::relation::{FollowEvent, RelationStat, RelationStats};
use mesh::batch::{ApplyBatch, Sequenced};

use crate::app::App;

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
