//! Failures behind the workers, seen through the edge: a stream that refuses events, the
//! workers' Redis or MySQL going down. Each is a prompt JSON error with the right status,
//! leaves nothing half-done, and the service recovers once the dependency is back.

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use testkit::{Proxy, media};

use crate::app::{App, error_json, ok_json};

/// Two users signed in (alice, bob: id and token), and a video of alice's.
async fn alice_bob_and_a_video(app: &App) -> ((i64, String), (i64, String), i64) {
    let (alice, token) = app.register("alice", "secret1").await;
    let bob = app.register("bob", "secret1").await;
    let published = app
        .publish(&token, media::mp4(40).unwrap(), "v.mp4", "v")
        .await;
    let video = ok_json(published).await["video_id"].as_i64().unwrap();
    ((alice, token), bob, video)
}

async fn post(app: &App, path: &str, form: &[(&str, String)]) -> Response {
    app.http
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn like(app: &App, token: &str, video: i64) -> Response {
    let form = form(token, &[("video_id", video.to_string())]);
    post(app, "/douyin/favorite/action/", &form).await
}

async fn list_len(app: &App, path: &str, field: &str) -> usize {
    let body = ok_json(app.get(path).await).await;
    body[field].as_array().expect(field).len()
}

fn form(token: &str, fields: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut form = vec![("token", token.to_owned()), ("action_type", "1".to_owned())];
    form.extend_from_slice(fields);
    form
}

/// Every stream takes no more events than it holds now (JetStream refuses the publish).
async fn fill_up(app: &App, streams: &[&str]) {
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    for &name in streams {
        let mut stream = js.get_stream(name).await.unwrap();
        let mut config = stream.info().await.unwrap().config.clone();
        config.max_messages = stream.info().await.unwrap().state.messages as i64;
        config.discard = async_nats::jetstream::stream::DiscardPolicy::New;
        js.update_stream(config).await.unwrap();
    }
}

#[tokio::test]
async fn a_stream_that_refuses_events_is_a_503_and_nothing_is_applied() {
    let app = App::start().await;
    let ((alice, token), (bob, bob_token), video) = alice_bob_and_a_video(&app).await;
    let comment = [
        ("video_id", video.to_string()),
        ("comment_text", "kept".into()),
    ];
    let writes = [
        (
            "/douyin/favorite/action/",
            vec![("video_id", video.to_string())],
            "likes",
        ),
        ("/douyin/comment/action/", comment.to_vec(), "comments"),
        (
            "/douyin/relation/action/",
            vec![("to_user_id", bob.to_string())],
            "follows",
        ),
    ];
    // Alice's writes fill every stream; bob's, the same kinds, must then be refused.
    for (path, fields, _) in &writes {
        ok_json(post(&app, path, &form(&token, fields)).await).await;
    }
    fill_up(&app, &["FAVORITES", "COMMENTS", "RELATIONS"]).await;
    let mut bobs = writes.clone();
    bobs[2].1 = vec![("to_user_id", alice.to_string())];
    for (path, fields, what) in &bobs {
        let response = post(&app, path, &form(&bob_token, fields)).await;
        let message = error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
        // A full stream is the one cause an operator must act on: the refusal names it.
        assert_eq!(
            message,
            format!("{what} cannot be recorded right now: the event store is full")
        );
    }

    // Refused writes are not shown as done; alice's are still there.
    let bobs_likes = format!("/douyin/favorite/list/?user_id={bob}");
    assert_eq!(list_len(&app, &bobs_likes, "video_list").await, 0);
    let comments = format!("/douyin/comment/list/?video_id={video}");
    assert_eq!(list_len(&app, &comments, "comment_list").await, 1);
    let bobs_follows = format!("/douyin/relation/follow/list/?user_id={bob}");
    assert_eq!(list_len(&app, &bobs_follows, "user_list").await, 0);
    let alices_follows = format!("/douyin/relation/follow/list/?user_id={alice}");
    assert_eq!(list_len(&app, &alices_follows, "user_list").await, 1);
}

/// Sends `request` until it answers 200 (at most 20 s) and returns the body.
async fn until_ok<F, Fut>(what: &str, mut request: F) -> serde_json::Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = request().await;
        if response.status() == StatusCode::OK {
            return ok_json(response).await;
        }
        let status = response.status();
        assert!(Instant::now() < deadline, "{what}: still {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn with_the_workers_redis_down_a_like_fails_within_the_timeout_and_works_after() {
    let (redis, url) = Proxy::for_url(&testkit::redis_url()).await.unwrap();
    let app = App::start_with(|settings| settings.redis.url = url).await;
    let ((alice, token), _, video) = alice_bob_and_a_video(&app).await;

    redis.cut();
    let started = Instant::now();
    let response = like(&app, &token, video).await;
    let elapsed = started.elapsed();
    let status = response.status();
    let message = error_json(response, status).await;
    // A dependency down or slow is a 503 or 504 (API.md), never a 500 or a hang.
    assert!(matches!(status.as_u16(), 503 | 504), "{status}: {message}");
    let timeout = app.env.settings.request_timeout();
    assert!(
        elapsed < timeout + Duration::from_secs(2),
        "took {elapsed:?}"
    );

    redis.restore();
    until_ok("like after Redis is back", || like(&app, &token, video)).await;
    let liked = format!("/douyin/favorite/list/?user_id={alice}");
    assert_eq!(list_len(&app, &liked, "video_list").await, 1);
}

#[tokio::test]
async fn a_publish_the_video_worker_cannot_record_leaves_nothing_stored() {
    // The workers' own database, behind a proxy (the App's settings cannot await one).
    let db = testkit::TestDb::create().await.unwrap();
    let (mysql, url) = Proxy::for_url(&db.url).await.unwrap();
    let app = App::start_with(|settings| {
        settings.mysql.url = url;
        // Longer than the pool's 5 s acquire timeout: the worker's own failure answers.
        settings.nats.request_timeout_ms = 15_000;
    })
    .await;
    let (_, token) = app.register("carol", "secret1").await;

    mysql.cut();
    let clip = media::mp4(41).unwrap();
    let response = app.publish(&token, clip.clone(), "v.mp4", "v").await;
    let status = response.status();
    let message = error_json(response, status).await;
    // docs/decisions.md promises only that the failure is a server error with the JSON shape.
    assert!(status.is_server_error(), "{status}: {message}");
    assert_eq!(
        app.stored("").await,
        Vec::<String>::new(),
        "the upload stayed"
    );

    mysql.restore();
    let published = || app.publish(&token, clip.clone(), "v.mp4", "v");
    until_ok("publish after MySQL is back", published).await;
}
