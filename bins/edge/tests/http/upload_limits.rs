//! The limits of an upload besides its size: text fields are short and known, a bad token
//! sent before the file is refused before the file is read, and one address can hold only
//! a few uploads open before their token is checked.

use std::time::{Duration, Instant};

use reqwest::{StatusCode, multipart::Form, multipart::Part};
use testkit::media;
use tokio::io::AsyncWriteExt;

use crate::{
    app::{App, error_json, ok_json},
    publish_auth::read_response,
    upload_leaks::{connect, raw_upload, usage},
};

fn clip() -> Part {
    clip_part(&media::mp4(5).unwrap())
}

#[tokio::test]
async fn long_and_unknown_text_fields_are_refused_with_json_errors() {
    let app = App::start().await;
    let (_, token) = app.register("fields", "secret1").await;
    let before = usage(&app).await;
    let long = Form::new()
        .text("token", token.clone())
        .text("title", "t".repeat(5000))
        .part("data", clip());
    let message = error_json(
        app.publish_form("", long).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert!(message.contains("title"), "{message}");
    // A long field after the file is refused too, and the file does not stay.
    let late = Form::new()
        .text("token", token.clone())
        .part("data", clip())
        .text("title", "t".repeat(5000));
    error_json(
        app.publish_form("", late).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let unknown = Form::new()
        .text("token", token.clone())
        .text("colour", "blue")
        .part("data", clip());
    let message = error_json(app.publish_form("", unknown).await, StatusCode::BAD_REQUEST).await;
    assert!(message.contains("colour"), "{message}");
    assert_eq!(usage(&app).await, before, "a refused upload left bytes");
    // A field of 4 KiB passes the edge: the video worker judges the title (at most 100
    // characters) and refuses it, with its own message.
    let fine = Form::new()
        .text("token", token.clone())
        .text("title", "t".repeat(4096))
        .part("data", clip());
    let message = error_json(app.publish_form("", fine).await, StatusCode::BAD_REQUEST).await;
    assert!(message.contains("1–100"), "{message}");
    let short = Form::new()
        .text("token", token)
        .text("title", "short")
        .part("data", clip());
    ok_json(app.publish_form("", short).await).await;
}

/// A bad `token` field before `data` is a 401 even for a file over the size cap: the token
/// is checked before the file is read (checked after it, the cap would answer 413 first).
#[tokio::test]
async fn a_bad_token_field_before_the_file_is_refused_before_the_file_streams() {
    let app = App::start_with(|config| config.media.max_upload_bytes = 64 << 10).await;
    let (_, token) = app.register("early", "secret1").await;
    let before = usage(&app).await;
    let mut big = media::mp4(6).unwrap();
    big.resize(200 << 10, 0x5A);
    let mut socket = connect(&app).await;
    let bad = format!("{token}x");
    let request = raw_upload(&app, &[("token", &bad)], &big, 500 << 10);
    socket.write_all(&request).await.unwrap();
    let (status, body) = read_response(&mut socket, "a bad token before the file").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(usage(&app).await, before);
}

/// Four anonymous uploads stalled mid-body fill the address's slots: a fifth is a 429
/// with Retry-After, one with a checked token still goes through, and a slot frees up when
/// a stalled client goes away.
#[tokio::test]
async fn a_fifth_unchecked_upload_from_one_address_is_a_429() {
    let app = App::start().await;
    let (_, token) = app.register("crowd", "secret1").await;
    let clip = media::mp4(8).unwrap();
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut socket = connect(&app).await;
        let request = raw_upload(&app, &[("title", "stalled")], &clip, 4 << 20);
        socket.write_all(&request).await.unwrap();
        stalled.push(socket);
    }
    // Give the edge a moment to start the four handlers.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let anonymous = || {
        Form::new()
            .text("title", "fifth")
            .part("data", clip_part(&clip))
    };
    let refused = app.publish_form("", anonymous()).await;
    let retry_after = refused.headers().get("retry-after").cloned();
    error_json(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(retry_after.is_some(), "a 429 without Retry-After");

    let signed = Form::new()
        .text("title", "signed")
        .part("data", clip_part(&clip));
    ok_json(app.publish_form(&format!("?token={token}"), signed).await).await;

    drop(stalled.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = app.publish_form("", anonymous()).await;
        if response.status() != StatusCode::TOO_MANY_REQUESTS {
            // Admitted, and refused only for having no token.
            error_json(response, StatusCode::UNAUTHORIZED).await;
            break;
        }
        assert!(Instant::now() < deadline, "the slot was never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stalled);
}

fn clip_part(clip: &[u8]) -> Part {
    Part::bytes(clip.to_vec()).file_name("v.mp4")
}
