//! `favorite.v1.page_stats` (a feed page's like reads in one request) answers exactly what
//! `video_stats` and `user_stats` answer for the same ids, from a cold Redis, with a
//! viewer and without, and refuses an oversized request like they do.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use contract::{
    ErrorKind,
    favorite::{PageStats, UserStats, VideoStats},
};
use mesh::CallError;
use testkit::TestEnv;

#[tokio::test]
async fn page_stats_are_the_video_and_user_stats_of_the_same_ids() {
    let env = TestEnv::start().await.unwrap();
    // (user, video, author): user 1 likes videos 10 and 11 of author 2; user 3 likes 10.
    for (user, video, author) in [(1, 10, 2), (1, 11, 2), (3, 10, 2), (2, 12, 3)] {
        sqlx::query("INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) VALUES (?, ?, ?, 1, 1, 1000)")
            .bind(user)
            .bind(video)
            .bind(author)
            .execute(&env.db.pool)
            .await
            .unwrap();
    }
    let nats = env.nats_client().await.unwrap();
    let worker = favorite::start(&env.settings, nats.clone()).await.unwrap();
    let caller = mesh::Caller::new(nats, Duration::from_secs(10));
    let (videos, users) = (vec![10, 11, 12, 99], vec![1, 2, 3, 98]);
    for viewer in [Some(1), None] {
        let page = caller
            .call(&PageStats {
                video_ids: videos.clone(),
                user_ids: users.clone(),
                viewer,
            })
            .await
            .unwrap();
        let video_stats = caller
            .call(&VideoStats {
                video_ids: videos.clone(),
                viewer,
            })
            .await
            .unwrap();
        let user_stats = caller
            .call(&UserStats {
                user_ids: users.clone(),
            })
            .await
            .unwrap();
        assert_eq!(page.videos, video_stats.stats);
        assert_eq!(page.users, user_stats.stats);
    }
    // The numbers themselves, so two equally wrong answers cannot pass.
    let page = caller
        .call(&PageStats {
            video_ids: vec![10],
            user_ids: vec![1, 2],
            viewer: Some(3),
        })
        .await
        .unwrap();
    assert_eq!(page.videos[0].favorite_count, 2);
    assert!(page.videos[0].viewer_liked);
    assert_eq!(
        (page.users[0].favorite_count, page.users[0].total_favorited),
        (2, 0)
    );
    assert_eq!(
        (page.users[1].favorite_count, page.users[1].total_favorited),
        (1, 3)
    );

    let too_many = caller
        .call(&PageStats {
            video_ids: (0..1_001).collect(),
            user_ids: vec![1],
            viewer: None,
        })
        .await;
    match too_many {
        Err(CallError::Service(err)) => assert_eq!(err.kind, ErrorKind::BadRequest, "{err:?}"),
        other => panic!("1,001 ids: {other:?}"),
    }
    worker.shutdown().await;
}
