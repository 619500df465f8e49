//! Accounts end to end: register → login → get, and usernames that stay unique under races.

use reqwest::StatusCode;
use testkit::RedisMode;

use crate::{
    app::{App, error_json, ok_json},
    workers::WorkerSet,
};

async fn login(app: &App, username: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/douyin/user/login/"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

// The user worker's Redis is its snowflake node lease (one key per script).
on_both_redis_modes!(register_then_login_then_get_round_trips);
async fn register_then_login_then_get_round_trips(redis: RedisMode) {
    let app = App::launch_on(redis, WorkerSet::USER_ROUTES, |_| {}).await;
    let (id, _) = app.register("roundtrip", "secret1").await;
    let body = ok_json(login(&app, "roundtrip", "secret1").await).await;
    assert_eq!(body["user_id"], id);
    let token = body["token"].as_str().unwrap();
    let body = ok_json(app.get(&format!("/douyin/user/?token={token}")).await).await;
    assert_eq!(body["user"]["id"], id);
    assert_eq!(body["user"]["name"], "roundtrip");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = App::start_users_only().await;
    app.register("known", "secret1").await;
    let wrong = error_json(
        login(&app, "known", "secret2").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unknown = error_json(
        login(&app, "unknown", "secret1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn a_taken_username_is_a_409_whatever_its_case() {
    let app = App::start_users_only().await;
    app.register("Taken", "secret1").await;
    for name in ["Taken", "taken"] {
        let response = app
            .http
            .post(app.url("/douyin/user/register/"))
            .form(&[("username", name), ("password", "secret1")])
            .send()
            .await
            .unwrap();
        error_json(response, StatusCode::CONFLICT).await;
    }
}

#[tokio::test]
async fn of_twenty_concurrent_registrations_of_one_name_exactly_one_wins() {
    let app = App::start_users_only().await;
    let attempts = (0..20).map(|i| {
        let request = app.http.post(app.url("/douyin/user/register/")).form(&[
            ("username", "contested".to_owned()),
            ("password", format!("secret{i}")),
        ]);
        async move { request.send().await.unwrap() }
    });
    let responses = futures::future::join_all(attempts).await;
    let mut won = 0;
    for response in responses {
        if response.status() == StatusCode::OK {
            ok_json(response).await;
            won += 1;
        } else {
            error_json(response, StatusCode::CONFLICT).await;
        }
    }
    assert_eq!(won, 1);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'contested'")
        .fetch_one(&app.env.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}
