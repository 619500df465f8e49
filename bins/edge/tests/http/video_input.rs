//! Bad uploads answer JSON errors with the right status and leave nothing stored.

use reqwest::StatusCode;
use testkit::media;

use crate::app::{App, error_json};

/// Nothing in the object store and no video rows: the failed publish left no trace.
async fn assert_nothing_stored(app: &App) {
    assert!(
        app.stored("videos/").await.is_empty(),
        "an upload was left behind"
    );
    assert!(
        app.stored("covers/").await.is_empty(),
        "a cover was left behind"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM videos")
        .fetch_one(&app.env.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

/// A tiny valid PNG.
fn png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    png.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
    png
}

#[tokio::test]
async fn files_that_are_not_videos_are_400s_whatever_their_name() {
    let app = App::start().await;
    let (_, token) = app.register("badfiles", "secret1").await;
    let message = error_json(
        app.publish(&token, png(), "cat.mp4", "a cat").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(message.contains("not a video"), "{message}");
    error_json(
        app.publish(&token, Vec::new(), "empty.mp4", "empty").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // An MP4 signature on bytes ffmpeg cannot decode.
    let mut fake = media::mp4(7).unwrap()[..64].to_vec();
    fake.extend(std::iter::repeat_n(0x5A, 4096));
    let message = error_json(
        app.publish(&token, fake, "fake.mp4", "fake").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        message.contains("cannot be read") || message.contains("can be read"),
        "{message}"
    );
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_publish_without_data_or_with_a_bad_title_is_a_400() {
    let app = App::start().await;
    let (_, token) = app.register("badform", "secret1").await;
    let form = reqwest::multipart::Form::new()
        .text("token", token.clone())
        .text("title", "no file");
    let response = app
        .http
        .post(app.url("/douyin/publish/action/"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    error_json(response, StatusCode::BAD_REQUEST).await;
    let video = media::mp4(8).unwrap();
    let long_title = "t".repeat(101);
    for title in [long_title.as_str(), "   "] {
        error_json(
            app.publish(&token, video.clone(), "v.mp4", title).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // 100 characters (not bytes) is fine.
    crate::app::ok_json(app.publish(&token, video, "v.mp4", &"题".repeat(100)).await).await;
}

#[tokio::test]
async fn bad_titles_leave_nothing_stored() {
    let app = App::start().await;
    let (_, token) = app.register("badtitle", "secret1").await;
    let long_title = "t".repeat(101);
    error_json(
        app.publish(&token, media::mp4(9).unwrap(), "v.mp4", &long_title)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn an_upload_over_the_cap_is_a_413_and_leaves_nothing() {
    let app = App::start_with(|settings| settings.media.max_upload_bytes = 4 * 1024).await;
    let (_, token) = app.register("toobig", "secret1").await;
    let video = media::mp4(10).unwrap();
    assert!(video.len() > 4 * 1024);
    error_json(
        app.publish(&token, video, "big.mp4", "big").await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn publishing_needs_a_valid_token_and_leaves_nothing_without_one() {
    let app = App::start().await;
    let video = media::mp4(11).unwrap();
    error_json(
        app.publish("", video.clone(), "v.mp4", "anon").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    error_json(
        app.publish("garbage", video, "v.mp4", "anon").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn publish_list_and_media_reject_bad_ids_and_keys() {
    let app = App::start().await;
    error_json(
        app.get("/douyin/publish/list/?user_id=abc").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(
        app.get("/douyin/publish/list/?user_id=42").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_json(
        app.get("/douyin/publish/list/").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    error_json(
        app.get("/douyin/feed/?latest_time=-5").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_json(
        app.get("/media/videos/doesnotexist").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// The store holds more than media (anything under another prefix, names the guard
/// refuses): `/media` serves only the keys the system writes for videos and covers, even
/// when the key exists in the store.
#[tokio::test]
async fn media_refuses_stored_keys_outside_videos_and_covers() {
    let app = App::start().await;
    let secret = bytes::Bytes::from_static(b"-----BEGIN PRIVATE KEY-----");
    for key in ["keys/token-ed25519.pem", "videos/.hidden", "covers/a-b"] {
        let body = Box::pin(futures::stream::once({
            let secret = secret.clone();
            async move { Ok(secret) }
        }));
        app.store.put(key, "text/plain", body).await.unwrap();
        assert!(
            app.stored("").await.contains(&key.to_owned()),
            "{key} not stored"
        );
        error_json(
            app.get(&format!("/media/{key}")).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}
