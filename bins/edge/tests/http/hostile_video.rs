//! Uploads made to hurt the cover extraction: a real ffmpeg-made video whose headers declare
//! frames of 8192×8192 is refused (400) before anything decodes it, and quickly.

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
