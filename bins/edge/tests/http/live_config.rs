//! The config centre on a running edge and its workers: a rate limit, the word list and a
//! feature switch written to the bucket take effect within a second (the issue's bound;
//! milliseconds when idle), a bad value is refused while the old one keeps working, and
//! deleting a key restores the base layer.

use std::time::{Duration, Instant};

use async_nats::jetstream::kv;
use reqwest::StatusCode;

use crate::{
    app::{App, error_json, ok_json},
    social::{chat, send},
};

/// How long a change may take to show, from the write to the start of the first request
/// that showed it (requests start every [`PROBE_EVERY`] whatever the earlier ones take, so a
/// slow answer on a loaded machine measures the machine, not the change).
const WITHIN: Duration = Duration::from_secs(1);
const PROBE_EVERY: Duration = Duration::from_millis(50);
/// Probes over half again the bound (each word-list probe is a send: the per-user write
/// limit allows the suite's 60).
const PROBES: u32 = 30;

async fn bucket(app: &App) -> kv::Store {
    let nats = app.env.nats_client().await.unwrap();
    liveconfig::open(&async_nats::jetstream::new(nats), 1)
        .await
        .unwrap()
}

/// Fails unless a `probe(n)` started within [`WITHIN`] of now shows the change.
async fn within_a_second<F, Fut>(what: &str, probe: F)
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let seen = testkit::first_seen(Instant::now(), PROBE_EVERY, PROBES, probe).await;
    let took = seen.unwrap_or_else(|| panic!("{what}: no probe showed it"));
    assert!(
        took <= WITHIN,
        "{what} first shown {took:?} after the write"
    );
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
    within_a_second("the tight limit", |_| async {
        healthz(&app).await == StatusCode::TOO_MANY_REQUESTS
    })
    .await;
    // A burst of 0 fails the file layer's validation: refused whole, the tight limit stays.
    let bad = r#"{"per_second": 5, "burst": 0}"#;
    bucket.put("edge.limits.per_ip", bad.into()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    error_json(app.get("/healthz").await, StatusCode::TOO_MANY_REQUESTS).await;
    bucket.delete("edge.limits.per_ip").await.unwrap();
    within_a_second("the base limit", |_| async {
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
    // Each probe sends its own text and reads back how it was stored.
    let stored = |text: String| {
        let (app, token_a) = (&app, &token_a);
        async move {
            ok_json(send(app, token_a, b, &text).await).await;
            let page = chat(app, token_a, b, 0).await;
            let number = text.rsplit(' ').next().unwrap().to_owned();
            let mine = page.iter().rev().find(|m| {
                let content = m["content"].as_str().unwrap();
                content.ends_with(&format!(" {number}")) && content.len() == text.len()
            });
            mine.unwrap()["content"].as_str().unwrap().to_owned()
        }
    };
    within_a_second("the new word masked", |n| {
        let stored = &stored;
        async move { stored(format!("banana {n}")).await.starts_with("******") }
    })
    .await;
    let page = chat(&app, &token_a, b, 0).await;
    assert_eq!(
        page[0]["content"], "a banana split",
        "stored text is not rewritten"
    );
    bucket.delete("filter.words").await.unwrap();
    within_a_second("the base list back", |n| {
        let stored = &stored;
        async move {
            let text = format!("banana again {}", n + 1000);
            stored(text.clone()).await == text
        }
    })
    .await;
}

#[tokio::test]
async fn registration_closes_and_reopens_on_the_bus() {
    let app = App::start_users_only().await;
    let bucket = bucket(&app).await;
    app.register("early", "secret1").await;
    let register = |form: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move {
            let url = app.url("/douyin/user/register/");
            app.http.post(url).form(form).send().await.unwrap()
        }
    };
    // The switch is read before the form: without a password, a closed registration is a
    // 403 and an open one a 400 at the edge — a probe that costs no password hash (which
    // takes seconds while ~150 tests of this binary share two cores).
    let probe = || register(&[("username", "late")]);
    bucket
        .put("features.registration", "off".into())
        .await
        .unwrap();
    within_a_second("registration closed", |_| async {
        probe().await.status() == StatusCode::FORBIDDEN
    })
    .await;
    const FULL: &[(&str, &str)] = &[("username", "late"), ("password", "secret1")];
    let message = error_json(register(FULL).await, StatusCode::FORBIDDEN).await;
    assert!(message.contains("registration is closed"), "{message}");
    // Not a switch value: refused, registration stays closed.
    bucket
        .put("features.registration", "maybe".into())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    error_json(register(FULL).await, StatusCode::FORBIDDEN).await;
    bucket.delete("features.registration").await.unwrap();
    within_a_second("registration open", |_| async {
        probe().await.status() == StatusCode::BAD_REQUEST
    })
    .await;
    ok_json(register(FULL).await).await;
}
