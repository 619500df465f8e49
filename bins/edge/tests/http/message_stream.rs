//! The live-chat stream `GET /douyin/message/stream/` over real HTTP: a stored message is
//! pushed at once to both of its users (token in the query or as a Bearer header) as an SSE
//! `message` event whose id is its `create_time`, a reconnecting client catches up by
//! polling after that id, quiet streams carry heartbeats, streams are bounded per user and
//! in total (429, released when a client goes away), and shutdown ends them promptly.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    app::{App, error_json, ok_json},
    social::{chat, send},
};

/// A bound on waits for something that happens at once (a generous one for a loaded CI).
const SOON: Duration = Duration::from_secs(10);

/// One open stream, read block by block (a block ends with a blank line).
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(app: &App, token: &str) -> Events {
        let response = app
            .get(&format!("/douyin/message/stream/?token={token}"))
            .await;
        Self::from(response)
    }

    async fn open_bearer(app: &App, token: &str) -> Events {
        let response = app
            .http
            .get(app.url("/douyin/message/stream/"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        Self::from(response)
    }

    fn from(response: reqwest::Response) -> Events {
        assert_eq!(response.status(), StatusCode::OK);
        let kind = response.headers()["content-type"].to_str().unwrap();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Events {
            response,
            buffer: String::new(),
        }
    }

    /// The next block, or `None` once the server ended the stream.
    async fn block(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(block);
            }
            let chunk = tokio::time::timeout(SOON, self.response.chunk())
                .await
                .expect("nothing on the stream in time");
            match chunk {
                Ok(Some(bytes)) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// The next `message` event (heartbeats skipped): its id and its data.
    async fn message(&mut self) -> (i64, Value) {
        loop {
            let block = self.block().await.expect("the stream ended");
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .map(str::to_owned)
            };
            if field("event: ").as_deref() != Some("message") {
                assert!(
                    block.starts_with(':'),
                    "neither a message nor a comment: {block}"
                );
                continue;
            }
            let id = field("id: ").unwrap().parse().unwrap();
            let data = serde_json::from_str(&field("data: ").unwrap()).unwrap();
            return (id, data);
        }
    }
}

#[tokio::test]
async fn a_stored_message_is_pushed_to_both_users_and_a_reconnect_catches_up_by_polling() {
    let app = App::start().await;
    let (a, token_a) = app.register("live_a", "secret1").await;
    let (b, token_b) = app.register("live_b", "secret1").await;
    let mut to_b = Events::open(&app, &token_b).await;
    let mut to_a = Events::open_bearer(&app, &token_a).await;
    let sent = ok_json(send(&app, &token_a, b, "hello live").await).await;
    assert_eq!(sent["status_code"], 0);
    let mut last_id = 0;
    for events in [&mut to_b, &mut to_a] {
        let (id, message) = events.message().await;
        assert_eq!(message["content"], "hello live", "{message}");
        assert_eq!(message["from_user_id"], a);
        assert_eq!(message["to_user_id"], b);
        assert_eq!(
            message["create_time"], id,
            "the event id is the message's time"
        );
        assert!(message["id"].as_i64().unwrap() > 0, "{message}");
        last_id = id;
    }
    // Away, then back: the poll after the last id seen returns what the stream missed.
    drop(to_b);
    ok_json(send(&app, &token_a, b, "while away").await).await;
    let missed = chat(&app, &token_b, a, last_id).await;
    let texts: Vec<&str> = missed
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["while away"]);
    // The sender's stream saw it too, and only its own conversations.
    let (_, echoed) = to_a.message().await;
    assert_eq!(echoed["content"], "while away");
}

#[tokio::test]
async fn a_stream_needs_a_valid_token() {
    let app = App::start().await;
    error_json(
        app.get("/douyin/message/stream/").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let bad = app.get("/douyin/message/stream/?token=not-a-token").await;
    error_json(bad, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn quiet_streams_carry_heartbeats_and_are_bounded_per_user_and_in_total() {
    let app = App::start_with(|settings| {
        settings.edge.live.heartbeat_ms = 200;
        settings.edge.live.max_per_user = 2;
        settings.edge.live.max_total = 3;
    })
    .await;
    let (_, token_a) = app.register("bounded_a", "secret1").await;
    let (_, token_b) = app.register("bounded_b", "secret1").await;
    let mut first = Events::open(&app, &token_a).await;
    assert_eq!(
        first.block().await.as_deref(),
        Some(": ping"),
        "a heartbeat"
    );
    let second = Events::open(&app, &token_a).await;
    let third = app
        .get(&format!("/douyin/message/stream/?token={token_a}"))
        .await;
    let refused = error_json(third, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(refused.contains("per user"), "{refused}");
    let _other = Events::open(&app, &token_b).await;
    let full = app
        .get(&format!("/douyin/message/stream/?token={token_b}"))
        .await;
    let refused = error_json(full, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(refused.contains("on this server"), "{refused}");
    // A client that goes away gives its place back (found at the next heartbeat write).
    drop(second);
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let again = app
            .get(&format!("/douyin/message/stream/?token={token_a}"))
            .await;
        if again.status() == StatusCode::OK {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place was never released"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(first.block().await.as_deref(), Some(": ping"));
}

#[tokio::test]
async fn shutdown_ends_open_streams_without_waiting_out_the_grace() {
    let mut app = App::start_with(|settings| settings.edge.shutdown_grace_ms = 60_000).await;
    let (_, token) = app.register("leaving", "secret1").await;
    let mut events = Events::open(&app, &token).await;
    let served = app.shut_down();
    while let Some(block) = events.block().await {
        assert!(block.starts_with(':'), "{block}");
    }
    tokio::time::timeout(SOON, served)
        .await
        .expect("the edge waited for its open stream")
        .unwrap()
        .unwrap();
}
