//! Uploads made to hurt the cover extraction: a real ffmpeg-made video whose headers declare
//! frames of 8192×8192 is refused (400) before anything decodes it, and quickly; publishes
//! past the worker's publish limit are refused busy (503) and leave nothing behind.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use testkit::media;

use crate::app::{App, error_json, ok_json};

#[tokio::test]
async fn a_video_declaring_huge_frames_is_a_quick_400_and_a_normal_one_still_publishes() {
    let app = App::start().await;
    let (_, token) = app.register("hostile", "secret1").await;
    let started = Instant::now();
    let response = app
        .publish(
            &token,
            media::mjpeg_claiming(8192).unwrap(),
            "big.mp4",
            "big",
        )
        .await;
    let message = error_json(response, StatusCode::BAD_REQUEST).await;
    assert!(message.contains("8192×8192"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        app.stored("videos/").await.is_empty(),
        "the upload was left behind"
    );
    let normal = media::mp4(62).unwrap();
    ok_json(app.publish(&token, normal, "fine.mp4", "fine").await).await;
}

#[tokio::test]
async fn publishes_past_the_limit_are_refused_busy_and_leave_no_upload_behind() {
    let app = App::start_with(|settings| {
        settings.video.publish_concurrency = 1;
        settings.video.publish_queue = 0;
        // All six come from one address: let the edge's own per-IP upload gate pass them,
        // so the video worker's limit is what refuses.
        settings.media.max_unchecked_uploads_per_ip = 8;
    })
    .await;
    let (_, token) = app.register("flooder", "secret1").await;
    let publishes = (0..6).map(|seed| {
        let (app, token) = (&app, &token);
        let video = media::mp4(70 + seed).unwrap();
        async move { app.publish(token, video, "flood.mp4", "flood").await }
    });
    let (mut published, mut busy) = (0, 0);
    for response in futures::future::join_all(publishes).await {
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(response.headers()["retry-after"], "1");
            let message = error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
            assert!(message.contains("too many publish requests"), "{message}");
            busy += 1;
        } else {
            ok_json(response).await;
            published += 1;
        }
    }
    assert!(
        busy > 0 && published > 0,
        "{published} published, {busy} busy"
    );
    assert_eq!(
        app.stored("videos/").await.len(),
        published,
        "a refused upload stayed"
    );
}
