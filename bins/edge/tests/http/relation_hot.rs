//! Follow hot state lost from Redis, before and after persistence: lists, counts, is_follow
//! and friend lists are rebuilt from the stream's unpersisted tail and the `follows` rows.
use crate::{
    app::{App, ok_json},
    caught_up::RELATIONS,
    persistence::held_back,
    social::{follow, ids, user},
};
use testkit::RedisMode;

async fn follow_rows(app: &App) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM follows")
        .fetch_one(&app.env.db.pool)
        .await
        .unwrap()
}

on_both_redis_modes!(follow_state_survives_redis_losing_it_before_and_after_persistence);
async fn follow_state_survives_redis_losing_it_before_and_after_persistence(redis: RedisMode) {
    let mut app = App::start_with_on(redis, |s| s.persist.ack_wait_ms = Some(1_000)).await;
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    // Hold persistence back, so the follows exist only in the stream (and in Redis).
    let idle = relation::persister(app.env.db.pool.clone(), js.clone(), &held_back(&app));
    app.relation().replace_persister(idle).kill();
    let (a, token_a) = app.register("amy", "secret1").await;
    let (b, token_b) = app.register("ben", "secret1").await;
    let (c, token_c) = app.register("cat", "secret1").await;
    ok_json(follow(&app, &token_a, b, 1).await).await;
    ok_json(follow(&app, &token_b, a, 1).await).await;
    ok_json(follow(&app, &token_a, c, 1).await).await;
    ok_json(follow(&app, &token_c, b, 1).await).await;
    ok_json(follow(&app, &token_a, c, 2).await).await;
    assert_eq!(follow_rows(&app).await, 0, "premise: nothing persisted yet");

    let check = async |app: &App| {
        let follows = ids(app, &format!("/douyin/relation/follow/list/?user_id={a}")).await;
        assert_eq!(follows, [b], "a unfollowed c");
        let followers = ids(app, &format!("/douyin/relation/follower/list/?user_id={b}")).await;
        assert_eq!(followers, [c, a], "most recent first");
        let friends = format!("/douyin/relation/friend/list/?user_id={a}&token={token_a}");
        assert_eq!(ids(app, &friends).await, [b]);
        let b_seen_by_a = user(app, b, &token_a).await;
        assert_eq!(b_seen_by_a["follower_count"], 2);
        assert_eq!(b_seen_by_a["follow_count"], 1);
        assert_eq!(b_seen_by_a["is_follow"], true);
        let c_seen_by_a = user(app, c, &token_a).await;
        assert_eq!(c_seen_by_a["follower_count"], 0);
        assert_eq!(c_seen_by_a["is_follow"], false);
        assert_eq!(user(app, a, &token_b).await["follow_count"], 1);
    };
    app.lose_redis("rel:*").await;
    check(&app).await;

    // Persist, lose Redis again: now the rows alone must give the same answers.
    let running = relation::persister(app.env.db.pool.clone(), js, &app.env.settings);
    app.relation().replace_persister(running).kill();
    RELATIONS.everything_persisted(&app).await;
    app.lose_redis("rel:*").await;
    check(&app).await;
}
