//! Follows, friends and direct messages end to end through the edge.
use testkit::RedisMode;

use std::time::{Duration, Instant};

use contract::relation::SetFollow;
use reqwest::StatusCode;
use serde_json::Value;

use crate::app::{App, error_json, ok_json};

async fn post(app: &App, path: &str, token: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let mut form = vec![("token", token.to_owned())];
    form.extend(fields.iter().cloned());
    app.http
        .post(app.url(path))
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn follow(app: &App, token: &str, to: i64, action: i64) -> reqwest::Response {
    let fields = [
        ("to_user_id", to.to_string()),
        ("action_type", action.to_string()),
    ];
    post(app, "/douyin/relation/action/", token, &fields).await
}

pub(crate) async fn send(app: &App, token: &str, to: i64, content: &str) -> reqwest::Response {
    let fields = [
        ("to_user_id", to.to_string()),
        ("action_type", "1".to_owned()),
        ("content", content.to_owned()),
    ];
    post(app, "/douyin/message/action/", token, &fields).await
}

pub(crate) async fn ids(app: &App, path: &str) -> Vec<i64> {
    let body = ok_json(app.get(path).await).await;
    body["user_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

pub(crate) async fn user(app: &App, id: i64, token: &str) -> Value {
    ok_json(
        app.get(&format!("/douyin/user/?user_id={id}&token={token}"))
            .await,
    )
    .await["user"]
        .clone()
}

pub(crate) async fn chat(app: &App, token: &str, peer: i64, after: i64) -> Vec<Value> {
    let path =
        format!("/douyin/message/chat/?token={token}&to_user_id={peer}&pre_msg_time={after}");
    ok_json(app.get(&path).await).await["message_list"]
        .as_array()
        .unwrap()
        .clone()
}

on_both_redis_modes!(follows_counts_friends_and_latest_messages_from_both_sides);
async fn follows_counts_friends_and_latest_messages_from_both_sides(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let (a, token_a) = app.register("alice", "secret1").await;
    let (b, token_b) = app.register("bob", "secret1").await;
    ok_json(follow(&app, &token_a, b, 1).await).await;
    assert_eq!(
        ids(&app, &format!("/douyin/relation/follow/list/?user_id={a}")).await,
        [b]
    );
    assert_eq!(
        ids(
            &app,
            &format!("/douyin/relation/follower/list/?user_id={b}")
        )
        .await,
        [a]
    );
    let seen_by_a = user(&app, b, &token_a).await;
    assert_eq!(
        (
            seen_by_a["follower_count"].as_i64(),
            seen_by_a["is_follow"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(user(&app, a, &token_b).await["follow_count"], 1);
    assert!(
        ids(
            &app,
            &format!("/douyin/relation/friend/list/?user_id={a}&token={token_a}")
        )
        .await
        .is_empty()
    );

    ok_json(follow(&app, &token_b, a, 1).await).await;
    ok_json(send(&app, &token_a, b, "hi bob").await).await;
    ok_json(send(&app, &token_b, a, "hi alice").await).await;
    let friends = ok_json(
        app.get(&format!(
            "/douyin/relation/friend/list/?user_id={a}&token={token_a}"
        ))
        .await,
    )
    .await;
    let friend = &friends["user_list"][0];
    assert_eq!(
        (
            friend["id"].as_i64(),
            friend["message"].as_str(),
            friend["msgType"].as_i64()
        ),
        (Some(b), Some("hi alice"), Some(0))
    );
    let friends = ok_json(
        app.get(&format!(
            "/douyin/relation/friend/list/?user_id={b}&token={token_b}"
        ))
        .await,
    )
    .await;
    let friend = &friends["user_list"][0];
    assert_eq!(
        (friend["id"].as_i64(), friend["msgType"].as_i64()),
        (Some(a), Some(1))
    );

    ok_json(follow(&app, &token_a, b, 2).await).await;
    assert!(
        ids(&app, &format!("/douyin/relation/follow/list/?user_id={a}"))
            .await
            .is_empty()
    );
    assert_eq!(user(&app, b, &token_a).await["is_follow"], false);
    ok_json(follow(&app, &token_a, b, 2).await).await;
}

#[tokio::test]
async fn concurrent_toggles_end_in_the_last_acknowledged_state_and_mysql_agrees() {
    let app = App::start().await;
    let (a, _) = app.register("toggler", "secret1").await;
    let (b, token_b) = app.register("target", "secret1").await;
    let caller = mesh::Caller::new(
        app.env.nats_client().await.unwrap(),
        Duration::from_secs(10),
    );
    let toggles = (0..20).map(|i| {
        let caller = caller.clone();
        let request = SetFollow {
            follower_id: a,
            followee_id: b,
            following: i % 2 == 0,
        };
        async move { (caller.call(&request).await.unwrap().seq, request.following) }
    });
    let acked = futures::future::join_all(toggles).await;
    let (_, last) = acked.iter().max_by_key(|(seq, _)| *seq).copied().unwrap();
    let follows = ids(&app, &format!("/douyin/relation/follow/list/?user_id={a}")).await;
    assert_eq!(follows == [b], last);
    assert_eq!(
        user(&app, b, &token_b).await["follower_count"],
        i64::from(last)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let newest = acked.iter().map(|(seq, _)| *seq).max().unwrap() as i64;
    loop {
        // The state and the sequence it came from in one read: two reads could straddle a
        // commit and pair an old state with the newest sequence.
        let row: Option<(bool, i64)> = sqlx::query_as(
            "SELECT following, seq FROM follows WHERE follower_id = ? AND followee_id = ?",
        )
        .bind(a)
        .bind(b)
        .fetch_optional(&app.env.db.pool)
        .await
        .unwrap();
        if let Some((following, seq)) = row.filter(|(_, seq)| *seq >= newest) {
            assert_eq!((following, seq), (last, newest));
            break;
        }
        assert!(Instant::now() < deadline, "not persisted in time: {row:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

on_both_redis_modes!(chat_history_goes_both_ways_and_polls_only_newer_messages);
async fn chat_history_goes_both_ways_and_polls_only_newer_messages(redis: RedisMode) {
    let app = App::start_on(redis).await;
    let (a, token_a) = app.register("sender", "secret1").await;
    let (b, token_b) = app.register("receiver", "secret1").await;
    ok_json(send(&app, &token_a, b, "one").await).await;
    ok_json(send(&app, &token_b, a, "two").await).await;
    let history = chat(&app, &token_b, a, 0).await;
    let texts: Vec<&str> = history
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["one", "two"], "both directions, oldest first");
    assert_eq!(history[0]["from_user_id"], a);
    assert_eq!(history[0]["to_user_id"], b);
    let newest = history[1]["create_time"].as_i64().unwrap();
    assert!(newest > 1_000_000_000_000, "create_time is in milliseconds");
    assert!(
        chat(&app, &token_a, b, newest).await.is_empty(),
        "a poll at the newest time"
    );
    // Sent at once, most likely within the millisecond of `newest`: it is still stored after
    // it, so the poll at `newest` finds it.
    ok_json(send(&app, &token_a, b, "three SPAM").await).await;
    let newer = chat(&app, &token_b, a, newest).await;
    assert_eq!(newer.len(), 1);
    assert_eq!(newer[0]["content"], "three ****");
}

#[tokio::test]
async fn bad_follow_and_message_requests_are_json_errors() {
    let app = App::start().await;
    let (me, token) = app.register("picky", "secret1").await;
    let (other, _) = app.register("other", "secret1").await;
    error_json(follow(&app, &token, me, 1).await, StatusCode::BAD_REQUEST).await;
    error_json(follow(&app, &token, 424242, 1).await, StatusCode::NOT_FOUND).await;
    error_json(
        follow(&app, &token, other, 3).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let abc = [
        ("to_user_id", "abc".to_owned()),
        ("action_type", "1".to_owned()),
    ];
    error_json(
        post(&app, "/douyin/relation/action/", &token, &abc).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(follow(&app, "", other, 1).await, StatusCode::UNAUTHORIZED).await;

    error_json(
        send(&app, &token, me, "to me").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(
        send(&app, &token, 424242, "hello?").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_json(
        post(&app, "/douyin/message/action/", &token, &abc).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let three = [
        ("to_user_id", other.to_string()),
        ("action_type", "3".to_owned()),
        ("content", "x".to_owned()),
    ];
    error_json(
        post(&app, "/douyin/message/action/", &token, &three).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(
        send(&app, &token, other, "  ").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(
        send(&app, &token, other, &"x".repeat(1001)).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    ok_json(send(&app, &token, other, &"字".repeat(1000)).await).await;
    let chat_abc = format!("/douyin/message/chat/?token={token}&to_user_id=abc");
    error_json(app.get(&chat_abc).await, StatusCode::BAD_REQUEST).await;
}
