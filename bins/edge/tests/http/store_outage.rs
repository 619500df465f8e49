//! MySQL or Redis going down behind the workers: a read that needs it answers 503 with
//! `Retry-After` and a JSON error within the store's time-out (not a 500, not a hung request),
//! and 200 again once the store is back.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use testkit::Proxy;

use crate::app::{App, error_json};

/// The time-out the test gives the store it cuts, and how much longer the answer may take.
const STORE_TIMEOUT_MS: u64 = 500;
const SLACK: Duration = Duration::from_secs(2);

/// Cuts the store behind `proxy` and reads the profile of a user the edge has not seen yet
/// (so nothing cached can answer for the store), then restores it and reads again.
async fn a_profile_read_is_503_while_cut_and_200_after(app: &App, proxy: &Proxy) {
    let (_, token) = app.register("watcher", "secret1").await;
    let (unseen, _) = app.register("unseen", "secret1").await;
    let path = format!("/douyin/user/?user_id={unseen}&token={token}");
    proxy.cut();

    let started = Instant::now();
    let response = app.get(&path).await;
    let took = started.elapsed();
    let retry_after = response.headers().get("retry-after").cloned();
    error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        retry_after.as_ref().and_then(|value| value.to_str().ok()),
        Some("1"),
        "a 503 says when to retry"
    );
    let bound = Duration::from_millis(STORE_TIMEOUT_MS) + SLACK;
    assert!(
        took < bound,
        "the outage took {took:?} to tell (bound {bound:?})"
    );

    proxy.restore();
    let body = app.get_until_ok(&path, Duration::from_secs(15)).await;
    assert_eq!(body["user"]["id"], unseen);
}

#[tokio::test]
async fn without_mysql_a_read_answers_503_at_once_and_200_once_it_is_back() {
    let (proxy, _) = Proxy::for_url(&testkit::mysql_url()).await.unwrap();
    let app = App::start_users_only_with(|settings| {
        settings.mysql.url = proxy.rehost(&settings.mysql.url).unwrap();
        settings.mysql.acquire_timeout_ms = STORE_TIMEOUT_MS;
    })
    .await;
    a_profile_read_is_503_while_cut_and_200_after(&app, &proxy).await;
}

#[tokio::test]
async fn without_redis_a_read_answers_503_at_once_and_200_once_it_is_back() {
    let (proxy, _) = Proxy::for_url(&testkit::redis_url()).await.unwrap();
    let app = App::start_users_only_with(|settings| {
        settings.redis.url = proxy.rehost(&settings.redis.url).unwrap();
        settings.redis.command_timeout_ms = STORE_TIMEOUT_MS;
    })
    .await;
    a_profile_read_is_503_while_cut_and_200_after(&app, &proxy).await;
}
