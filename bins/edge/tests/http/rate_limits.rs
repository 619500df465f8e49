//! The abuse limits over real HTTP: per client IP, per user, writes per user and logins per
//! username answer 429 with `Retry-After` and the JSON error body; a forwarded client
//! address counts only when it comes from a trusted proxy.

use reqwest::{Response, StatusCode};
use settings::{RateLimit, Settings};

use crate::app::{App, error_json, ok_json};

/// `burst` requests, then one more only every 100 s: the test never sees a refill.
fn tight(burst: u32) -> RateLimit {
    RateLimit {
        per_second: 0.01,
        burst,
    }
}

async fn assert_limited(response: Response) {
    let retry_after = response
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse::<u64>()
        .expect("Retry-After in whole seconds");
    assert!(
        (1..=100).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    error_json(response, StatusCode::TOO_MANY_REQUESTS).await;
}

#[tokio::test]
async fn requests_over_the_per_ip_limit_answer_429() {
    let app = App::start_users_only_with(|s| s.edge.limits.per_ip = tight(3)).await;
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    }
    assert_limited(app.get("/douyin/feed/").await).await;
}

#[tokio::test]
async fn a_user_over_the_per_user_limit_is_refused_while_other_users_are_not() {
    let app = App::start_users_only_with(|s| s.edge.limits.per_user = tight(2)).await;
    let (id, busy) = app.register("busy", "secret1").await;
    let (_, calm) = app.register("calm", "secret1").await;
    let app = &app;
    let profile = |token: &str| {
        let path = format!("/douyin/user/?user_id={id}&token={token}");
        async move { app.get(&path).await }
    };
    for _ in 0..2 {
        ok_json(profile(&busy).await).await;
    }
    assert_limited(profile(&busy).await).await;
    ok_json(profile(&calm).await).await;
}

#[tokio::test]
async fn writes_over_the_per_user_write_limit_are_refused_but_reads_go_on() {
    let app = App::start_users_only_with(|s| s.edge.limits.writes_per_user = tight(2)).await;
    let (_, token) = app.register("writer", "secret1").await;
    let (star, _) = app.register("star", "secret1").await;
    let follow = |action: &str| {
        let query = [
            ("token", token.clone()),
            ("to_user_id", star.to_string()),
            ("action_type", action.to_owned()),
        ];
        let url = app.url("/douyin/relation/action/");
        app.http.post(url).query(&query).send()
    };
    ok_json(follow("1").await.unwrap()).await;
    ok_json(follow("2").await.unwrap()).await;
    assert_limited(follow("1").await.unwrap()).await;
    ok_json(
        app.get(&format!("/douyin/user/?user_id={star}&token={token}"))
            .await,
    )
    .await;
}

#[tokio::test]
async fn login_attempts_per_username_are_limited_whatever_the_password() {
    let app = App::start_users_only_with(|s| s.edge.limits.logins_per_username = tight(2)).await;
    app.register("guessed", "secret1").await;
    app.register("bystander", "secret1").await;
    let login = |username: &str, password: &str| {
        let form = [("username", username), ("password", password)];
        app.http
            .post(app.url("/douyin/user/login/"))
            .form(&form)
            .send()
    };
    for guess in ["wrong1", "wrong2"] {
        let status = login("guessed", guess).await.unwrap().status();
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_limited(login("guessed", "secret1").await.unwrap()).await;
    ok_json(login("bystander", "secret1").await.unwrap()).await;
}

/// An edge allowing one request per client, reading clients from `X-Forwarded-For` when the
/// peer is in `trusted`.
async fn behind_proxies(trusted: &str) -> App {
    let trusted = trusted.to_owned();
    App::start_users_only_with(move |s: &mut Settings| {
        s.edge.limits.per_ip = tight(1);
        s.edge.client_ip.header = "X-Forwarded-For".into();
        s.edge.client_ip.trusted_proxies = vec![trusted];
    })
    .await
}

async fn from(app: &App, client: &str) -> Response {
    let forwarded = format!("{client}, 127.0.0.1");
    app.http
        .get(app.url("/healthz"))
        .header("x-forwarded-for", forwarded)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_forwarded_client_address_counts_only_from_a_trusted_proxy() {
    let trusting = behind_proxies("127.0.0.0/8").await;
    assert_eq!(
        from(&trusting, "203.0.113.1").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        from(&trusting, "203.0.113.2").await.status(),
        StatusCode::OK
    );
    assert_limited(from(&trusting, "203.0.113.1").await).await;

    let wary = behind_proxies("10.0.0.0/8").await;
    assert_eq!(from(&wary, "203.0.113.1").await.status(), StatusCode::OK);
    // Another "client" from the same untrusted peer is the same client.
    assert_limited(from(&wary, "203.0.113.2").await).await;
}
