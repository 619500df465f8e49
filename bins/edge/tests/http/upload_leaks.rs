//! Failed uploads leave the media store's bytes where they were, on both stores: a client
//! that hangs up mid-body, a file over the cap, a file that is not a video, a bad token
//! before or after the file. The JetStream store is measured by its stream's bytes (chunks
//! no listing shows), S3 by its objects and its unfinished multipart uploads.

use std::time::{Duration, Instant};

use objects::{ObjectStore, S3Store};
use reqwest::StatusCode;
use testkit::media;
use tokio::{io::AsyncWriteExt, net::TcpStream};

use crate::app::{App, error_json};

const BOUNDARY: &str = "gophertok-upload-leaks";

/// What a store holds, as precisely as it can be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Usage {
    /// Bytes in the bucket's stream.
    Nats(u64),
    /// Keys stored, keys of multipart uploads neither completed nor aborted.
    S3(Vec<String>, Vec<String>),
}

pub(crate) async fn usage(app: &App) -> Usage {
    let media = &app.env.settings.media;
    match media.store {
        settings::StoreKind::Nats => {
            // Listing opens (and creates) the bucket, so there is a stream to measure.
            app.stored("").await;
            // The operator's view (the admin role when the bus is locked down).
            let client = app.env.nats_client().await.unwrap();
            let js = async_nats::jetstream::new(client);
            let mut stream = js
                .get_stream(format!("OBJ_{}", media.nats_bucket))
                .await
                .unwrap();
            Usage::Nats(stream.info().await.unwrap().state.bytes)
        }
        settings::StoreKind::S3 => {
            let store = S3Store::open(&media.s3).await.unwrap();
            let mut keys = store.list("").await.unwrap();
            keys.sort();
            Usage::S3(keys, store.unfinished_uploads().await.unwrap())
        }
    }
}

/// Waits (up to 10 s) for the store to hold what it held `before`: clean-up after a cut
/// connection runs once the edge notices.
async fn assert_back_to(app: &App, before: &Usage, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = usage(app).await;
        if &now == before {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} left {now:?}, was {before:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The head of a multipart publish announcing `announced` body bytes: `fields` first, then
/// the header of the `data` part and `clip`.
pub(crate) fn raw_upload(
    app: &App,
    fields: &[(&str, &str)],
    clip: &[u8],
    announced: usize,
) -> Vec<u8> {
    let host = app.base.trim_start_matches("http://");
    let mut request = format!(
        "POST /douyin/publish/action/ HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {announced}\r\nConnection: close\r\n\r\n"
    );
    for (name, value) in fields {
        request += &format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        );
    }
    request += &format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"v.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    );
    let mut request = request.into_bytes();
    request.extend_from_slice(clip);
    request
}

pub(crate) async fn connect(app: &App) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// A real MP4 followed by filler up to `len` bytes: a video as far as the edge can tell.
fn video_of(len: usize) -> Vec<u8> {
    let mut bytes = media::mp4(3).unwrap();
    bytes.resize(len, 0x5A);
    bytes
}

async fn failed_uploads_leave_no_bytes(app: App) {
    let (_, token) = app.register("leaky", "secret1").await;
    let before = usage(&app).await;

    // Cut off after 4 MiB of a 5 MiB body: chunks were written, the client is gone.
    let mut socket = connect(&app).await;
    let request = raw_upload(&app, &[("token", &token)], &video_of(4 << 20), 5 << 20);
    socket.write_all(&request).await.unwrap();
    socket.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(socket);
    assert_back_to(&app, &before, "a cut-off upload").await;

    // Over the cap (5 MiB in these tests), within the route's body limit (cap + 1 MiB).
    let big = app
        .publish(&token, video_of(11 << 19), "big.mp4", "big")
        .await;
    error_json(big, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_back_to(&app, &before, "an oversized upload").await;

    // Not a video.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".repeat(1000);
    error_json(
        app.publish(&token, png, "cat.mp4", "cat").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_back_to(&app, &before, "a file that is not a video").await;

    // A bad token after the file (checked once the file is stored) and before it.
    let after = reqwest::multipart::Form::new()
        .part("data", reqwest::multipart::Part::bytes(video_of(3 << 20)))
        .text("token", format!("{token}x"));
    error_json(app.publish_form("", after).await, StatusCode::UNAUTHORIZED).await;
    assert_back_to(&app, &before, "a bad token after the file").await;
    let response = app
        .publish(&format!("{token}x"), video_of(64 << 10), "v.mp4", "v")
        .await;
    error_json(response, StatusCode::UNAUTHORIZED).await;
    assert_back_to(&app, &before, "a bad token before the file").await;
}

fn small_cap(settings: &mut settings::Settings) {
    settings.media.max_upload_bytes = 5 << 20;
}

#[tokio::test]
async fn failed_uploads_leave_no_bytes_in_the_nats_store() {
    failed_uploads_leave_no_bytes(App::start_with(small_cap).await).await;
}

#[tokio::test]
async fn failed_uploads_leave_no_bytes_in_the_s3_store() {
    failed_uploads_leave_no_bytes(App::start_with_s3_and(small_cap).await).await;
}

/// A bucket at its limit refuses an upload with a 507 JSON error (not a 500) and keeps
/// nothing of it.
#[tokio::test]
async fn a_full_nats_bucket_answers_507() {
    let app = App::start_with(|config| config.media.nats_max_bytes = 2 << 20).await;
    let (_, token) = app.register("filler", "secret1").await;
    let before = usage(&app).await;
    let response = app.publish(&token, video_of(3 << 20), "v.mp4", "v").await;
    let message = error_json(response, StatusCode::INSUFFICIENT_STORAGE).await;
    assert!(message.contains("full"), "{message}");
    assert_back_to(&app, &before, "an upload into a full bucket").await;
}
