//! Follow and comment hot state under churn: keys lost again and again while writers run
//! leave counts and lists exactly as MySQL has them once persisted, and lookups of ids that
//! do not exist leave only keys that expire.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use contract::{
    comment::{CommentCounts, ListComments},
    relation::{ListKind, ListRelations, RelationStats, SetFollow},
};
use fred::prelude::KeysInterface;

use testkit::RedisMode;

use crate::{
    app::App,
    caught_up::{COMMENTS, RELATIONS},
    comments::{delete, list, post, video},
};

/// Deletes this test's keys under `pattern` every few milliseconds until `stop` is set.
fn keep_losing(
    app: &Arc<App>,
    pattern: &'static str,
    stop: &Arc<AtomicBool>,
) -> tokio::task::JoinHandle<usize> {
    let (app, stop) = (Arc::clone(app), Arc::clone(stop));
    tokio::spawn(async move {
        let mut losses = 0;
        while !stop.load(Ordering::Relaxed) {
            app.lose_redis(pattern).await;
            losses += 1;
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        losses
    })
}

fn caller(client: async_nats::Client) -> mesh::Caller {
    mesh::Caller::new(client, Duration::from_secs(10))
}

on_both_redis_modes!(follows_written_while_redis_keeps_losing_them_end_exact);
async fn follows_written_while_redis_keeps_losing_them_end_exact(redis: RedisMode) {
    let app = Arc::new(App::start_on(redis).await);
    let (star, _) = app.register("churnstar", "secret1").await;
    let stop = Arc::new(AtomicBool::new(false));
    let loser = keep_losing(&app, "rel:*", &stop);
    // 20 fans, each following, unfollowing and following again, all at once; fan f ends
    // unfollowed when f is even (a fourth, unfollowing event).
    let caller = caller_for(&app).await;
    let writers = (1..=20i64).map(|fan| {
        let caller = caller.clone();
        async move {
            let steps = if fan % 2 == 0 { 4 } else { 3 };
            for step in 0..steps {
                let request = SetFollow {
                    follower_id: fan,
                    followee_id: star,
                    following: step % 2 == 0,
                };
                // A write may be refused (503) while its keys vanish under it; MySQL holds
                // whatever was acknowledged, and that is what the hot state must end at.
                let _ = caller.call(&request).await;
            }
        }
    });
    futures::future::join_all(writers).await;
    stop.store(true, Ordering::Relaxed);
    assert!(
        loser.await.unwrap() > 0,
        "premise: keys were lost while writing"
    );
    RELATIONS.everything_persisted(&app).await;

    let stored: Vec<i64> = sqlx::query_scalar(
        "SELECT follower_id FROM follows WHERE followee_id = ? AND following ORDER BY follower_id",
    )
    .bind(star)
    .fetch_all(&app.env.db.pool)
    .await
    .unwrap();
    let fans: Vec<i64> = (1..=20).collect();
    let mut ids = vec![star];
    ids.extend(&fans);
    let stats = caller
        .call(&RelationStats {
            user_ids: ids,
            viewer: None,
        })
        .await
        .unwrap()
        .stats;
    assert_eq!(stats[0].follower_count, stored.len() as i64, "{stored:?}");
    for stat in &stats[1..] {
        let follows = i64::from(stored.contains(&stat.user_id));
        assert_eq!(stat.follow_count, follows, "fan {}", stat.user_id);
    }
    let listed = caller
        .call(&ListRelations {
            user_id: star,
            kind: ListKind::Followers,
            after: None,
        })
        .await
        .unwrap();
    let mut listed = listed.user_ids;
    listed.sort_unstable();
    assert_eq!(listed, stored);
}

async fn caller_for(app: &App) -> mesh::Caller {
    caller(app.env.nats_client().await.unwrap())
}

on_both_redis_modes!(comments_written_while_redis_keeps_losing_them_end_exact);
async fn comments_written_while_redis_keeps_losing_them_end_exact(redis: RedisMode) {
    let app = Arc::new(App::start_on(redis).await);
    let (video, token) = video(&app, 50).await;
    let stop = Arc::new(AtomicBool::new(false));
    let loser = keep_losing(&app, "cm:*", &stop);
    // 4 writers posting 6 comments each, deleting every third one right after posting it.
    let writers = (0..4).map(|writer| {
        let (app, token) = (Arc::clone(&app), token.clone());
        async move {
            for n in 0..6 {
                let posted = post(&app, &token, video, &format!("w{writer} n{n}")).await;
                if !posted.status().is_success() || n % 3 != 2 {
                    continue;
                }
                let body: serde_json::Value = posted.json().await.unwrap();
                let id = body["comment"]["id"].as_i64().unwrap();
                let _ = delete(&app, &token, video, id).await;
            }
        }
    });
    futures::future::join_all(writers).await;
    stop.store(true, Ordering::Relaxed);
    assert!(
        loser.await.unwrap() > 0,
        "premise: keys were lost while writing"
    );
    COMMENTS.everything_persisted(&app).await;

    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT content FROM comments WHERE video_id = ? AND NOT deleted \
         ORDER BY created_ms DESC, id DESC",
    )
    .bind(video)
    .fetch_all(&app.env.db.pool)
    .await
    .unwrap();
    let caller = caller_for(&app).await;
    let counts = caller
        .call(&CommentCounts {
            video_ids: vec![video],
        })
        .await
        .unwrap();
    assert_eq!(counts.counts[0].count, stored.len() as i64);
    assert_eq!(crate::comments::texts(list(&app, video).await), stored);
}

on_both_redis_modes!(lookups_of_ids_that_do_not_exist_leave_only_keys_that_expire);
async fn lookups_of_ids_that_do_not_exist_leave_only_keys_that_expire(redis: RedisMode) {
    let app = App::start_with_on(redis, |s| s.hot.empty_ttl_secs = 30).await;
    let caller = caller_for(&app).await;
    // Ids far above any this test creates, in pages as the edge would ask for them; the
    // TTL outlasts the lookups of the last pages, so their negative entries are still there
    // to be checked.
    let missing: Vec<i64> = (0..2_000).map(|i| 900_000_000_000 + i * 7).collect();
    for id in &missing[..50] {
        let listed = caller
            .call(&ListRelations {
                user_id: *id,
                kind: ListKind::Friends,
                after: None,
            })
            .await
            .unwrap();
        assert!(listed.user_ids.is_empty());
        let comments = caller.call(&ListComments { video_id: *id }).await.unwrap();
        assert!(comments.comments.is_empty());
    }

    for page in missing.chunks(500) {
        let stats = caller
            .call(&RelationStats {
                user_ids: page.to_vec(),
                viewer: Some(page[0]),
            })
            .await
            .unwrap();
        assert!(
            stats
                .stats
                .iter()
                .all(|s| s.follower_count == 0 && s.follow_count == 0)
        );
        let counts = caller
            .call(&CommentCounts {
                video_ids: page.to_vec(),
            })
            .await
            .unwrap();
        assert!(counts.counts.iter().all(|c| c.count == 0));
    }
    let redis = settings::connect_redis(&app.env.settings.redis)
        .await
        .unwrap();
    let prefix = &app.env.settings.redis.prefix;
    for (pattern, per_id) in [("rel:*", 4), ("cm:*", 3)] {
        let glob = testkit::redis::under_prefix(prefix, pattern);
        let keys = testkit::redis::scan_keys(&redis, &glob).await.unwrap();
        assert!(
            !keys.is_empty(),
            "premise: the misses left negative entries"
        );
        assert!(
            keys.len() <= per_id * missing.len(),
            "{pattern}: {} keys for {} ids",
            keys.len(),
            missing.len()
        );
        for key in keys {
            // -1: no expiry; -2: already expired (the TTL is short here).
            let ttl: i64 = redis.pttl(&key).await.unwrap();
            assert_ne!(ttl, -1, "{key} would outlive the miss");
        }
    }
    // And once their TTL has passed, nothing is left of the misses.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    for pattern in ["rel:*", "cm:*"] {
        let glob = testkit::redis::under_prefix(prefix, pattern);
        while !testkit::redis::scan_keys(&redis, &glob)
            .await
            .unwrap()
            .is_empty()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{pattern} keys outlived their TTL"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

on_both_redis_modes!(empty_groups_of_ids_that_exist_are_kept);
/// A video nobody liked or commented on and a user nobody follows are real, empty state:
/// their groups stay (like any group, bounded by the catalogue) instead of expiring and being
/// rebuilt from MySQL every `empty_ttl_secs`, which made a warm feed over a large catalogue
/// rebuild most of it again and again.
async fn empty_groups_of_ids_that_exist_are_kept(redis: RedisMode) {
    let app = App::start_with_on(redis, |s| s.hot.empty_ttl_secs = 30).await;
    let (video, _) = video(&app, 31).await;
    let (loner, _) = app.register("loner", "secret1").await;
    let page = crate::app::ok_json(app.get("/douyin/feed/").await).await;
    assert_eq!(
        page["video_list"][0]["id"], video,
        "premise: the page shows it"
    );
    crate::app::ok_json(app.get(&format!("/douyin/user/?user_id={loner}")).await).await;

    let redis = settings::connect_redis(&app.env.settings.redis)
        .await
        .unwrap();
    let prefix = &app.env.settings.redis.prefix;
    for pattern in [
        format!("fav:{{v{video}}}:*"),
        format!("cm:{{v{video}}}:*"),
        format!("rel:{{u{loner}}}:*"),
        format!("fav:{{u{loner}}}:*"),
    ] {
        let glob = testkit::redis::under_prefix(prefix, &pattern);
        let keys = testkit::redis::scan_keys(&redis, &glob).await.unwrap();
        assert!(!keys.is_empty(), "premise: the page loaded {pattern}");
        for key in keys {
            let ttl: i64 = redis.pttl(&key).await.unwrap();
            assert_eq!(ttl, -1, "{key} of an id that exists would expire");
        }
    }
}
