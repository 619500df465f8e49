//! Chat polling across two chat worker instances: concurrent senders in one conversation and
//! a poller asking for messages strictly after the newest time it saw. Every message is seen
//! exactly once, in strictly rising times (issue 11: a time taken from a worker's clock
//! before the write let a message commit behind a poll that had already passed it).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use crate::{
    app::{App, ok_json},
    social::{chat, send},
};

const SENDERS: usize = 6;
const EACH: usize = 15;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poller_sees_every_message_once_with_senders_on_two_chat_instances() {
    let app = Arc::new(App::start().await);
    // A second chat instance on the same NATS: the service's queue group splits the sends.
    let second = chat::start(&app.env.settings, app.env.nats_client().await.unwrap())
        .await
        .unwrap();
    let (a, token_a) = app.register("talker", "secret1").await;
    let (b, token_b) = app.register("listener", "secret1").await;
    let done = Arc::new(AtomicBool::new(false));
    let poller = tokio::spawn({
        let (app, done, token_b) = (Arc::clone(&app), Arc::clone(&done), token_b.clone());
        async move {
            let (mut seen, mut after) = (Vec::new(), 0);
            loop {
                // Read the flag first: a poll that starts after the senders ended is the last.
                let last = done.load(Ordering::SeqCst);
                let page = chat(&app, &token_b, a, after).await;
                for m in &page {
                    let time = m["create_time"].as_i64().unwrap();
                    assert!(time > after, "times rise along the polls");
                    after = time;
                    seen.push(m["content"].as_str().unwrap().to_owned());
                }
                // A full page may have more behind it: only an empty poll after the end stops.
                if last && page.is_empty() {
                    return seen;
                }
                // Polls pace themselves as an app's do (faster, to meet the senders often):
                // a busy loop on a slow machine ran into the per-user rate limit.
                if page.is_empty() {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        }
    });
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (app, token) = (Arc::clone(&app), [&token_a, &token_b][s % 2].clone());
            let peer = [b, a][s % 2];
            tokio::spawn(async move {
                for n in 0..EACH {
                    ok_json(send(&app, &token, peer, &format!("m{s}-{n}")).await).await;
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let mut seen = poller.await.unwrap();
    assert_eq!(
        seen.len(),
        SENDERS * EACH,
        "every message seen exactly once"
    );
    seen.sort();
    let mut sent: Vec<String> = (0..SENDERS)
        .flat_map(|s| (0..EACH).map(move |n| format!("m{s}-{n}")))
        .collect();
    sent.sort();
    assert_eq!(seen, sent, "no message missed or seen twice");
    second.shutdown().await;
}
