//! The edge's own HTTP server as careless or hostile clients meet it: slow heads and idle
//! connections are cut off, shutdown does not wait for a stuck client, `/metrics` is off the
//! public port, and invented methods cannot add label values.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::app::{App, error_json};

async fn connect(app: &App) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads (and discards) until the server closes; how long that took, or `None` if the
/// connection is still open after `limit`.
async fn closed_within(stream: &mut (impl AsyncRead + Unpin), limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    let until_closed = async {
        while let Ok(read) = stream.read(&mut buf).await {
            if read == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(limit, until_closed)
        .await
        .ok()
        .map(|()| started.elapsed())
}

/// Sends a `GET /healthz` on a raw connection.
async fn ask_health(stream: &mut TcpStream) {
    let request = b"GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n";
    stream.write_all(request).await.unwrap();
}

/// The first bytes the server sends within `limit`, or `None` if it sends nothing.
async fn answer_within(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(limit, stream.read(&mut buf))
        .await
        .ok()?;
    Some(String::from_utf8_lossy(&buf[..read.unwrap()]).into_owned())
}

async fn metrics(app: &App) -> String {
    let url = format!("{}/metrics", app.metrics_base);
    let response = app.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_request_head_sent_slowly_is_cut_off_at_the_header_timeout() {
    let app = App::start_users_only_with(|s| s.edge.header_timeout_ms = 300).await;
    let (mut read, mut write) = connect(&app).await.into_split();
    // A header line every 100 ms, never the blank line that ends the head.
    let drip = tokio::spawn(async move {
        let start = b"GET /healthz HTTP/1.1\r\nHost: edge\r\n".to_vec();
        let lines = (0..100).map(|i| format!("X-Drip-{i}: 1\r\n").into_bytes());
        for line in std::iter::once(start).chain(lines) {
            if write.write_all(&line).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let closed = closed_within(&mut read, Duration::from_secs(5)).await;
    drip.abort();
    assert!(
        closed.is_some(),
        "a head dripping in held its connection 5 s"
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let app = App::start_users_only_with(|s| s.edge.idle_timeout_ms = 500).await;
    let mut stream = connect(&app).await;
    ask_health(&mut stream).await;
    let head = answer_within(&mut stream, Duration::from_secs(5)).await;
    assert!(head.unwrap().starts_with("HTTP/1.1 200"));
    let closed = closed_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("an idle connection was still open after 5 s");
    assert!(
        closed >= Duration::from_millis(300),
        "closed before it was idle for long: {closed:?}"
    );
}

#[tokio::test]
async fn a_request_body_that_stops_arriving_gets_a_400_after_the_body_timeout() {
    let app = App::start_users_only_with(|s| s.edge.body_timeout_ms = 300).await;
    let mut stream = connect(&app).await;
    stream.write_all(STUCK_LOGIN.as_bytes()).await.unwrap();
    let answer = answer_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("no answer 5 s into a stalled body");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"status_code\":400"), "{answer}");
}

/// A login whose body is announced and never sent: its handler waits for it.
const STUCK_LOGIN: &str = "POST /douyin/user/login/ HTTP/1.1\r\nHost: edge\r\n\
    Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=a";

#[tokio::test]
async fn shutdown_with_a_stuck_request_ends_within_the_grace_period() {
    let mut app = App::start_users_only_with(|s| s.edge.shutdown_grace_ms = 500).await;
    let mut stream = connect(&app).await;
    stream.write_all(STUCK_LOGIN.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let served = app.shut_down();
    let result = tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("the edge still served 5 s after shutdown");
    result.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let closed = closed_within(&mut stream, Duration::from_secs(1)).await;
    assert!(closed.is_some(), "the stuck connection was left open");
    let refused = TcpStream::connect(app.base.trim_start_matches("http://")).await;
    assert!(refused.is_err(), "new connections are still accepted");
}

#[tokio::test]
async fn connections_over_the_bound_wait_until_an_open_one_closes() {
    let app = App::start_users_only_with(|s| s.edge.max_connections = 1).await;
    let first = connect(&app).await;
    // Let the edge accept the first before the second arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut second = connect(&app).await;
    ask_health(&mut second).await;
    let early = answer_within(&mut second, Duration::from_millis(500)).await;
    assert!(
        early.is_none(),
        "served a connection over the bound: {early:?}"
    );
    drop(first);
    let answer = answer_within(&mut second, Duration::from_secs(5))
        .await
        .expect("still waiting 5 s after the open connection closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_and_not_on_the_api_port() {
    let app = App::start_users_only().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    error_json(app.get("/metrics").await, StatusCode::NOT_FOUND).await;
    // A path with a value in it is counted under its route template, never the value.
    let asset = app.get("/static/no-such-file-8271.png").await;
    assert_eq!(asset.status(), StatusCode::NOT_FOUND);
    let text = metrics(&app).await;
    let healthz = [("method", "GET"), ("route", "/healthz"), ("status", "200")];
    let counted = testkit::metric(&text, "http_requests_total", &healthz);
    assert!(counted.is_some_and(|n| n >= 1.0), "{text}");
    let timed = [("method", "GET"), ("route", "/healthz"), ("le", "+Inf")];
    let timed = testkit::metric(&text, "http_request_duration_seconds_bucket", &timed);
    assert!(timed.is_some_and(|n| n >= 1.0), "{text}");
    let asset = [("route", "/static/{file}"), ("status", "404")];
    assert!(
        testkit::metric(&text, "http_requests_total", &asset).is_some(),
        "{text}"
    );
    assert!(!text.contains("8271"), "a raw path became a label: {text}");
    let nats = [("connection", "edge")];
    assert_eq!(
        testkit::metric(&text, "nats_connected", &nats),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn invented_methods_are_counted_as_other_instead_of_as_new_label_values() {
    let app = App::start_users_only().await;
    for method in ["FOO", "BREWCOFFEE"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .http
            .request(method, app.url("/douyin/feed/"))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    let text = metrics(&app).await;
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(
        !text.contains("FOO") && !text.contains("BREWCOFFEE"),
        "{text}"
    );
}
