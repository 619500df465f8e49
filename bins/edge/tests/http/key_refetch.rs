//! A token naming an unknown signing key (`kid`) makes the edge refetch the user service's
//! keys exactly once, however many such tokens arrive together (also with random `kid`s,
//! while valid tokens keep verifying); a `kid` no fetch knew costs no fetch for a while; a
//! failed fetch answers 503 and is not retried at once. Counted by watching `user.v1.keys`
//! on the test's own nats-server.

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use contract::{Rpc, user::GetVerifyingKeys};
use futures::StreamExt;
use reqwest::StatusCode;
use testkit::TestEnv;

use crate::{
    app::{App, error_json, ok_json, serve_edge},
    tokens::{claims, now, sign_with_real_key},
};

/// The edge refetches keys at most this often (docs/decisions.md, Tokens).
const REFETCH_AFTER: Duration = Duration::from_secs(5);

/// Sees every `user.v1.*` message on the server, beside the worker that answers them.
struct KeyRequests {
    client: async_nats::Client,
    seen: async_nats::Subscriber,
}

impl KeyRequests {
    async fn watch(env: &TestEnv) -> Self {
        let client = env.nats_client().await.unwrap();
        let seen = client.subscribe("user.v1.>").await.unwrap();
        let mut watching = Self { client, seen };
        // A flush only sends the subscription; our own sentinel coming back proves the
        // server registered it before the edge's first request.
        watching.since_last().await;
        watching
    }

    /// How many key requests arrived since the last call. A sentinel published after the
    /// HTTP answers comes after every request the edge sent for them, so counting stops there.
    async fn since_last(&mut self) -> usize {
        let sentinel = format!("user.v1.sentinel.{}", testkit::unique_name("s"));
        self.client
            .publish(sentinel.clone(), "".into())
            .await
            .unwrap();
        self.client.flush().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut count = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = tokio::time::timeout(left, self.seen.next())
                .await
                .expect("the sentinel never came back")
                .unwrap();
            match message.subject.as_str() {
                subject if subject == sentinel => return count,
                subject if subject == GetVerifyingKeys::SUBJECT => count += 1,
                _ => {}
            }
        }
    }
}

/// An app whose edge has fetched the keys once, for the first token of user `name`; taken
/// after that answer, so waiting from the return waits the whole refetch interval.
async fn signed_in_once(name: &str) -> (App, i64, String, KeyRequests) {
    let app = App::start().await;
    let (id, token) = app.register(name, "secret1").await;
    let mut key_requests = KeyRequests::watch(&app.env).await;
    ok_json(app.get(&format!("/douyin/user/?token={token}")).await).await;
    assert_eq!(
        key_requests.since_last().await,
        1,
        "the first token fetches the keys"
    );
    (app, id, token, key_requests)
}

#[tokio::test]
async fn a_burst_of_tokens_with_an_unknown_kid_refetches_the_keys_once() {
    let (app, id, token, mut key_requests) = signed_in_once("rotated").await;
    let first_fetch = Instant::now();

    // The refetch interval is a time, so waiting it out is the condition itself.
    tokio::time::sleep_until((first_fetch + REFETCH_AFTER).into()).await;
    let unknown = sign_with_real_key(&app, "00000000deadbeef", &claims(id, now() + 3600));
    let path = format!("/douyin/user/?token={unknown}");
    let burst = (0..8).map(|_| app.get(&path));
    for response in futures::future::join_all(burst).await {
        let message = error_json(response, StatusCode::UNAUTHORIZED).await;
        assert_eq!(message, "invalid token");
    }
    assert_eq!(
        key_requests.since_last().await,
        1,
        "one refetch for the burst"
    );

    // The known key is still cached: a good token costs no fetch.
    ok_json(app.get(&format!("/douyin/user/?token={token}")).await).await;
    assert_eq!(key_requests.since_last().await, 0);
}

/// Random `kid`s, as an attacker sends them: each distinct from any other test's.
fn random_kids(n: usize) -> Vec<String> {
    (0..n)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect()
}

#[tokio::test]
async fn random_kids_cost_one_fetch_then_none_while_valid_tokens_keep_verifying() {
    let (app, id, token, mut key_requests) = signed_in_once("random").await;
    let first_fetch = Instant::now();

    tokio::time::sleep_until((first_fetch + REFETCH_AFTER).into()).await;
    let bad: Vec<String> = random_kids(40)
        .iter()
        .map(|kid| sign_with_real_key(&app, kid, &claims(id, now() + 3600)))
        .collect();
    let app = &app;
    let burst = futures::future::join(
        futures::future::join_all(bad.iter().map(|bad| {
            let path = format!("/douyin/user/?token={bad}");
            async move { error_json(app.get(&path).await, StatusCode::UNAUTHORIZED).await }
        })),
        futures::future::join_all((0..20).map(|_| async {
            ok_json(app.get(&format!("/douyin/user/?token={token}")).await).await
        })),
    );
    let (refused, verified) = burst.await;
    let burst_done = Instant::now();
    assert!(refused.iter().all(|message| message == "invalid token"));
    assert_eq!(verified.len(), 20);
    assert!(key_requests.since_last().await <= 1, "one refetch at most");

    // Past the refetch interval the same kids are still known to be unknown: no fetch.
    tokio::time::sleep_until((burst_done + REFETCH_AFTER).into()).await;
    for bad in &bad[..5] {
        let path = format!("/douyin/user/?token={bad}");
        error_json(app.get(&path).await, StatusCode::UNAUTHORIZED).await;
    }
    assert_eq!(
        key_requests.since_last().await,
        0,
        "remembered unknown kids"
    );
}

/// A token whose header names `kid` (its signature is never checked: no key is known).
fn token_naming(kid: &str) -> String {
    let header = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}"}}"#);
    let claims = r#"{"sub":"1"}"#;
    let [header, claims] = [header.as_str(), claims].map(|part| URL_SAFE_NO_PAD.encode(part));
    format!("{header}.{claims}.{}", URL_SAFE_NO_PAD.encode([0u8; 64]))
}

#[tokio::test]
async fn a_failed_key_fetch_answers_503_once_for_a_burst_and_is_retried_after_a_back_off() {
    let mut env = TestEnv::start().await.expect("test servers");
    // No user worker: the watcher takes the key requests and never answers them.
    env.settings.nats.request_timeout_ms = 300;
    let mut key_requests = KeyRequests::watch(&env).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let edge = serve_edge(&env, listener).await;
    let http = reqwest::Client::new();
    let get = |kid: String| {
        let url = format!("{base}/douyin/user/?token={}", token_naming(&kid));
        let request = http.get(url).send();
        async move { request.await.unwrap() }
    };

    let started = Instant::now();
    let burst = futures::future::join_all(random_kids(20).into_iter().map(get)).await;
    for response in burst {
        let message = error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(message, "token keys unavailable");
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        key_requests.since_last().await,
        1,
        "one fetch for the burst"
    );

    // Back-off: the next token right after the failure fetches nothing.
    let response = get(random_kids(1).remove(0)).await;
    error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(key_requests.since_last().await, 0, "retried at once");

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let response = get(random_kids(1).remove(0)).await;
    error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        key_requests.since_last().await,
        1,
        "retried after the back-off"
    );
    edge.shutdown.trigger();
}
