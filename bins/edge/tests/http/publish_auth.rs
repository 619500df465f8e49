//! A publish whose token sits outside the body (query or bearer header) is refused before
//! the edge reads a byte of the upload: the client's body is left stalled half-way, and the
//! 401 still arrives, with nothing in the object store.

use std::time::Duration;

use reqwest::StatusCode;
use testkit::media;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    app::App,
    bad_tokens::{BadToken, Placement},
};

const BOUNDARY: &str = "gophertok-stalled-upload";

/// The head of a multipart publish that announces far more bytes than it sends: the title,
/// then the start of the file. Whoever waits for the rest waits forever.
fn stalled_request(port: u16, token: &str, placement: Placement, clip: &[u8]) -> Vec<u8> {
    let (query, header) = match placement {
        Placement::Query => (format!("?token={token}"), String::new()),
        Placement::Bearer => (String::new(), format!("Authorization: Bearer {token}\r\n")),
        Placement::Body => unreachable!("a body token needs the body read"),
    };
    let mut request = format!(
        "POST /douyin/publish/action/{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{header}\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: 10000000\r\nConnection: close\r\n\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nstalled\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"v.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    )
    .into_bytes();
    request.extend_from_slice(clip);
    request
}

/// Reads one HTTP response (status and JSON body) from `socket`, failing after 10 s: an
/// edge that waits for the stalled body never answers.
pub(crate) async fn read_response(socket: &mut TcpStream, what: &str) -> (u16, serde_json::Value) {
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(parsed) = parse_response(&buffer) {
                return parsed;
            }
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).await.unwrap();
            assert!(n > 0, "{what}: connection closed without a full response");
            buffer.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    read.unwrap_or_else(|_| panic!("{what}: no answer while the body is stalled"))
}

/// The status and body of a complete response in `bytes`, or `None` if more must arrive.
fn parse_response(bytes: &[u8]) -> Option<(u16, serde_json::Value)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(usize::MAX);
    (body.len() >= length).then(|| (status, serde_json::from_str(body).unwrap()))
}

#[tokio::test]
async fn a_bad_token_outside_the_body_is_refused_before_the_upload_is_read() {
    let app = App::start().await;
    let (id, token) = app.register("stalled", "secret1").await;
    let clip = media::mp4(30).unwrap();
    let port = app.base.rsplit(':').next().unwrap().parse().unwrap();
    for kind in BadToken::ALL
        .into_iter()
        .filter(|&k| k != BadToken::Missing)
    {
        let bad = kind.mint(&app, &token, id, id + 1).unwrap();
        for placement in [Placement::Query, Placement::Bearer] {
            let what = format!("{kind:?} in {placement:?}");
            let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let request = stalled_request(port, &bad, placement, &clip);
            socket.write_all(&request).await.unwrap();
            let (status, body) = read_response(&mut socket, &what).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED.as_u16(), "{what}: {body}");
            assert_eq!(body["status_code"], 401, "{what}: {body}");
            let message = body["status_msg"].as_str().unwrap();
            assert!(
                message.contains(kind.expected_message()),
                "{what}: {message}"
            );
        }
    }
    assert_eq!(
        app.stored("").await,
        Vec::<String>::new(),
        "bytes were stored"
    );
}
