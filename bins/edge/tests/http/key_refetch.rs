//! A token naming an unknown signing key (`kid`) makes the edge refetch the user service's
//! keys exactly once, however many such tokens arrive together: counted by watching
//! `user.v1.keys` on the test's own nats-server.

use std::time::{Duration, Instant};

use contract::{Rpc, user::GetVerifyingKeys};
use futures::StreamExt;
use reqwest::StatusCode;

use crate::{
    app::{App, error_json, ok_json},
    tokens::{claims, now, sign_with_real_key},
};

/// The edge refetches keys at most this often (README, Tokens).
const REFETCH_AFTER: Duration = Duration::from_secs(5);

/// Sees every `user.v1.*` message on the server, beside the worker that answers them.
struct KeyRequests {
    client: async_nats::Client,
    seen: async_nats::Subscriber,
}

impl KeyRequests {
    async fn watch(app: &App) -> Self {
        let client = app.env.nats_client().await.unwrap();
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

#[tokio::test]
async fn a_burst_of_tokens_with_an_unknown_kid_refetches_the_keys_once() {
    let app = App::start().await;
    let (id, token) = app.register("rotated", "secret1").await;
    let mut key_requests = KeyRequests::watch(&app).await;
    let first_fetch = Instant::now();
    ok_json(app.get(&format!("/douyin/user/?token={token}")).await).await;
    assert_eq!(
        key_requests.since_last().await,
        1,
        "the first token fetches the keys"
    );

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
