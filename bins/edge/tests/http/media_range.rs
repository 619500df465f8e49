//! `/media/{key}` seeks: a `Range: bytes=N-` near the end of a large video answers 206 with
//! exactly the bytes asked for (the JetStream store fetches only the chunks that hold them;
//! libs/objects/tests/stores.rs counts those).

use bytes::Bytes;
use reqwest::{StatusCode, header};

use crate::app::App;

#[tokio::test]
async fn a_range_near_the_end_of_a_large_video_is_served_exactly() {
    let app = App::start_users_only().await;
    let video: Vec<u8> = (0..24 * 1024 * 1024 + 5).map(|i| (i % 253) as u8).collect();
    let body: objects::ByteStream<'static> = Box::pin(futures::stream::iter(
        video
            .chunks(1 << 20)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect::<Vec<_>>(),
    ));
    let key = "videos/0123456789abcdef0123456789abcdef";
    app.store.put(key, "video/mp4", body).await.unwrap();

    let from = video.len() - 200_000;
    let response = app
        .http
        .get(app.url(&format!("/media/{key}")))
        .header(header::RANGE, format!("bytes={from}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    let range = response.headers()[header::CONTENT_RANGE].to_str().unwrap();
    assert_eq!(
        range,
        format!("bytes {from}-{}/{}", video.len() - 1, video.len())
    );
    assert_eq!(response.bytes().await.unwrap(), video[from..]);

    let response = app
        .http
        .get(app.url(&format!("/media/{key}")))
        .header(header::RANGE, "bytes=131070-131075")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap(), video[131_070..=131_075]);
}
