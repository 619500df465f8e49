//! The config centre on a running edge and its workers: a rate limit and the word list
//! written to the bucket take effect within a second (the issue's bound; milliseconds when
//! idle), a feature switch too, a bad value is refused while the old one keeps working, and
//! deleting a key restores the base layer.

use std::time::{Duration, Instant};

use async_nats::jetstream::kv;
use reqwest::StatusCode;

use crate::{
    app::{App, error_json, ok_json},
    social::{chat, send},
};

/// How long a change may take to show, measured from the write to the end of the first
/// request that shows it (so the request's own time counts against the bound).
const WITHIN: Duration = Duration::from_secs(1);

/// The registration switch's bound: each probe that finds registration open hashes a
/// password (a core for a few hundred ms, seconds while ~150 tests of this binary share two
/// cores), so a 1 s bound failed once in CI on the probe's cost, not on the change's.
const WITHIN_A_HASH: Duration = Duration::from_secs(5);

async fn bucket(app: &App) -> kv::Store {
    let nats = app.env.nats_client().await.unwrap();
    liveconfig::open(&async_nats::jetstream::new(nats), 1)
        .await
        .unwrap()
}

/// Polls `check` until it holds, failing if it first holds after [`WITHIN`].
async fn within_a_second<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    within(what, WITHIN, check).await;
}

async fn within<F, Fut>(what: &str, bound: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        let seen = check().await;
        let took = start.elapsed();
        assert!(took <= bound, "{what} not seen within {bound:?} ({took:?})");
        if seen {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn healthz(app: &App) -> StatusCode {
    app.get("/healthz").await.status()
}

#[tokio::test]
async fn a_rate_limit_changed_on_the_bus_applies_at_once_and_a_delete_restores_the_base() {
    let app = App::start_users_only().await;
    let bucket = bucket(&app).await;
    for _ in 0..20 {
        assert_eq!(
            healthz(&app).await,
            StatusCode::OK,
            "the base limit is generous"
        );
    }
    let tight = r#"{"per_second": 0.01, "burst": 3}"#;
    bucket
        .put("edge.limits.per_ip", tight.into())
        .await
        .unwrap();
    within_a_second("the tight limit", || async {
        healthz(&app).await == StatusCode::TOO_MANY_REQUESTS
    })
    .await;
    // A burst of 0 fails the file layer's validation: refused whole, the tight limit stays.
    let bad = r#"{"per_second": 5, "burst": 0}"#;
    bucket.put("edge.limits.per_ip", bad.into()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    error_json(app.get("/healthz").await, StatusCode::TOO_MANY_REQUESTS).await;
    bucket.delete("edge.limits.per_ip").await.unwrap();
    within_a_second("the base limit", || async {
        healthz(&app).await == StatusCode::OK
    })
    .await;
    for _ in 0..20 {
        assert_eq!(healthz(&app).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_word_list_changed_on_the_bus_masks_the_next_message() {
    let app = App::start().await;
    let bucket = bucket(&app).await;
    let (_, token_a) = app.register("wordy", "secret1").await;
    let (b, _) = app.register("reader", "secret1").await;
    ok_json(send(&app, &token_a, b, "a banana split").await).await;
    bucket
        .put("filter.words", "# fruit\nbanana\n".into())
        .await
        .unwrap();
    let mut sent = 0;
    within_a_second("the new word masked", || {
        sent += 1;
        let text = format!("banana {sent}");
        let (app, token_a) = (&app, &token_a);
        async move {
            ok_json(send(app, token_a, b, &text).await).await;
            let page = chat(app, token_a, b, 0).await;
            let last = page.last().unwrap()["content"].as_str().unwrap().to_owned();
            last.starts_with("******")
        }
    })
    .await;
    let page = chat(&app, &token_a, b, 0).await;
    assert_eq!(
        page[0]["content"], "a banana split",
        "stored text is not rewritten"
    );
    bucket.delete("filter.words").await.unwrap();
    within_a_second("the base list back", || async {
        ok_json(send(&app, &token_a, b, "banana again").await).await;
        let page = chat(&app, &token_a, b, 0).await;
        page.last().unwrap()["content"] == "banana again"
    })
    .await;
}

#[tokio::test]
async fn registration_closes_and_reopens_on_the_bus() {
    let app = App::start_users_only().await;
    let bucket = bucket(&app).await;
    app.register("early", "secret1").await;
    bucket
        .put("features.registration", "off".into())
        .await
        .unwrap();
    let register = |name: &'static str| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/douyin/user/register/"))
                .form(&[("username", name), ("password", "secret1")])
                .send()
                .await
                .unwrap()
        }
    };
    within("registration closed", WITHIN_A_HASH, || async {
        register("late").await.status() == StatusCode::FORBIDDEN
    })
    .await;
    let message = error_json(register("late").await, StatusCode::FORBIDDEN).await;
    assert!(message.contains("registration is closed"), "{message}");
    // Not a switch value: refused, registration stays closed.
    bucket
        .put("features.registration", "maybe".into())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    error_json(register("late").await, StatusCode::FORBIDDEN).await;
    bucket.delete("features.registration").await.unwrap();
    within("registration open", WITHIN_A_HASH, || async {
        register("late").await.status() == StatusCode::OK
    })
    .await;
}
