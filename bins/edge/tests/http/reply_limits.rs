//! Replies longer than the nats-server's max_payload: list replies come back cut to fit, as
//! a 200 the app pages on from, instead of a 504 after the request timeout (the worker could
//! not publish them and the edge waited for nothing).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{
    app::{App, ok_json},
    comments::{list, post, video},
    social::send,
};

/// Small enough that a few dozen long comments or messages exceed it.
const MAX_PAYLOAD: usize = 64 * 1024;
/// Far more than the payload holds of 500 (comment) or 1000 (message) four-byte emoji.
const POSTS: usize = 40;

/// The test apps wait 5 s for a reply: anything close to that was a time-out.
fn answered_at_once(started: Instant) {
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
}

#[tokio::test]
async fn a_comment_list_too_long_for_one_message_answers_the_newest_comments_that_fit() {
    let app = App::start_with_max_payload(MAX_PAYLOAD).await;
    let (video, token) = video(&app, 91).await;
    let mut posted = Vec::new();
    for n in 0..POSTS {
        let text = format!("{n} {}", "😀".repeat(490));
        let body = ok_json(post(&app, &token, video, &text).await).await;
        posted.push(body["comment"]["id"].as_i64().unwrap());
    }
    let started = Instant::now();
    let comments = list(&app, video).await;
    answered_at_once(started);
    assert!(
        !comments.is_empty() && comments.len() < POSTS,
        "{} of {POSTS} comments in {MAX_PAYLOAD} bytes",
        comments.len()
    );
    // Newest first, cut from the old end, every comment whole.
    let newest: Vec<i64> = posted.iter().rev().take(comments.len()).copied().collect();
    let ids: Vec<i64> = comments.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, newest);
    assert!(
        comments
            .iter()
            .all(|c| c["content"].as_str().unwrap().ends_with("😀😀"))
    );
}

#[tokio::test]
async fn a_chat_history_too_long_for_one_message_pages_on_to_every_message() {
    let app = App::start_with_max_payload(MAX_PAYLOAD).await;
    let (_, token) = app.register("longwinded", "secret1").await;
    let (peer, _) = app.register("listener", "secret1").await;
    let mut sent = Vec::new();
    for n in 0..POSTS {
        let content = format!("{n} {}", "😀".repeat(990));
        ok_json(send(&app, &token, peer, &content).await).await;
        sent.push(content);
    }
    let (mut got, mut pre_msg_time, mut pages) = (Vec::new(), 0, 0);
    loop {
        let started = Instant::now();
        let path = format!(
            "/douyin/message/chat/?token={token}&to_user_id={peer}&pre_msg_time={pre_msg_time}"
        );
        let body = ok_json(app.get(&path).await).await;
        answered_at_once(started);
        let page: Vec<Value> = body["message_list"].as_array().unwrap().clone();
        let Some(last) = page.last() else { break };
        pre_msg_time = last["create_time"].as_i64().unwrap();
        got.extend(
            page.iter()
                .map(|m| m["content"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        assert!(pages <= POSTS, "paging does not end");
    }
    assert!(
        pages > 1,
        "all {POSTS} messages fitted one reply: raise POSTS"
    );
    assert_eq!(
        got, sent,
        "paging on by pre_msg_time skips or repeats nothing"
    );
}
