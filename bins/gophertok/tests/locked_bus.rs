//! The locked-down bus (`nats/auth/`): with the project's role permissions loaded into the
//! pinned nats-server, each role is refused what is not its part — the server says so, and
//! the client sees the refusal — while the all-in-one, every role on its own key, works end
//! to end.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod support;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use async_nats::{Event, jetstream};
use serde_json::Value;
use settings::NatsRole;
use testkit::{NatsServer, TestEnv};

/// A client as `role` that records the errors the server sends it.
struct Probe {
    client: async_nats::Client,
    errors: Arc<Mutex<Vec<String>>>,
}

impl Probe {
    async fn connect(server: &NatsServer, role: NatsRole) -> Self {
        let errors = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&errors);
        let options = server.options_as(role).event_callback(move |event| {
            let seen = Arc::clone(&seen);
            async move {
                if let Event::ServerError(error) = event {
                    seen.lock().unwrap().push(error.to_string());
                }
            }
        });
        let client = options.connect(server.url()).await.unwrap();
        Self { client, errors }
    }

    /// Waits (up to 5 s) for the server's refusal naming `what` on `subject`.
    async fn refused(&self, what: &str, subject: &str) {
        let wanted = format!("permissions violation for {what} to \"{subject}\"").to_lowercase();
        for _ in 0..100 {
            let errors = self.errors.lock().unwrap().clone();
            if errors.iter().any(|e| e.to_lowercase().contains(&wanted)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no refusal {wanted:?}; the server sent {:?}",
            self.errors.lock()
        );
    }

    fn jetstream(&self) -> jetstream::Context {
        let mut js = jetstream::new(self.client.clone());
        js.set_timeout(Duration::from_secs(1));
        js
    }
}

/// Nothing arrives on `subscriber` within half a second.
async fn receives_nothing(subscriber: &mut async_nats::Subscriber) {
    use futures::StreamExt;
    let next = tokio::time::timeout(Duration::from_millis(500), subscriber.next()).await;
    assert!(next.is_err(), "received {next:?}");
}

#[tokio::test]
async fn a_worker_serves_only_its_own_subjects_and_only_in_its_queue_group() {
    let server = NatsServer::start_locked().await.unwrap();
    let favorite = Probe::connect(&server, NatsRole::Favorite).await;
    let admin = server.connect_as(NatsRole::Admin).await.unwrap();

    let mut own = favorite
        .client
        .queue_subscribe("favorite.v1.set", "q".into())
        .await
        .unwrap();
    let mut other = favorite
        .client
        .queue_subscribe("comment.v1.post", "q".into())
        .await
        .unwrap();
    favorite.refused("subscription", "comment.v1.post").await;
    // Its own subject outside the queue group: a listener that would see every request
    // (the bypass nats-server 2.14 closed).
    let mut outside = favorite.client.subscribe("favorite.v1.list").await.unwrap();
    favorite.refused("subscription", "favorite.v1.list").await;

    admin.flush().await.unwrap();
    for subject in ["favorite.v1.set", "comment.v1.post", "favorite.v1.list"] {
        admin.publish(subject, "{}".into()).await.unwrap();
    }
    admin.flush().await.unwrap();
    use futures::StreamExt;
    let served = tokio::time::timeout(Duration::from_secs(2), own.next()).await;
    assert_eq!(served.unwrap().unwrap().subject.as_str(), "favorite.v1.set");
    receives_nothing(&mut other).await;
    receives_nothing(&mut outside).await;
}

#[tokio::test]
async fn a_worker_cannot_publish_another_domains_events_nor_read_its_stream() {
    let env = TestEnv::start_locked().await.unwrap();
    // The owners of COMMENTS and RELATIONS, on their own keys, create their streams.
    let (comment, relation) = tokio::join!(
        comment::start(&env.settings, env.nats_as(NatsRole::Comment).await.unwrap()),
        relation::start(
            &env.settings,
            env.nats_as(NatsRole::Relation).await.unwrap()
        ),
    );
    let (_comment, _relation) = (comment.unwrap(), relation.unwrap());
    let favorite = Probe::connect(&env.nats, NatsRole::Favorite).await;
    let js = favorite.jetstream();

    let forged = js.publish("evt.comment.1.2", "{}".into()).await;
    let acked = match forged {
        Ok(ack) => ack.await.is_ok(),
        Err(_) => false,
    };
    assert!(!acked, "a forged comment event was stored");
    favorite.refused("publish", "evt.comment.1.2").await;

    assert!(
        js.get_stream("COMMENTS").await.is_err(),
        "read COMMENTS info"
    );
    favorite
        .refused("publish", "$JS.API.STREAM.INFO.COMMENTS")
        .await;
    let next = "$JS.API.CONSUMER.MSG.NEXT.RELATIONS.relation-persist";
    let pull = favorite.client.request(next, "{\"batch\":1}".into());
    let pulled = tokio::time::timeout(Duration::from_secs(2), pull).await;
    assert!(
        !matches!(pulled, Ok(Ok(_))),
        "pulled from RELATIONS: {pulled:?}"
    );
    favorite.refused("publish", next).await;

    let admin = env.nats_client().await.unwrap();
    let comments = jetstream::new(admin).get_stream("COMMENTS").await.unwrap();
    assert_eq!(comments.cached_info().state.messages, 0, "nothing got in");
}

#[tokio::test]
async fn the_edge_cannot_publish_events_nor_read_another_roles_replies() {
    let server = NatsServer::start_locked().await.unwrap();
    let edge = Probe::connect(&server, NatsRole::Edge).await;

    edge.client
        .publish("evt.favorite.1.2.3", "{}".into())
        .await
        .unwrap();
    edge.refused("publish", "evt.favorite.1.2.3").await;
    let _replies = edge.client.subscribe("_INBOX_user.>").await.unwrap();
    edge.refused("subscription", "_INBOX_user.>").await;
    let _everything = edge.client.subscribe("_INBOX.>").await.unwrap();
    edge.refused("subscription", "_INBOX.>").await;
    // Serving a domain is a worker's part, not the edge's.
    let _serve = edge
        .client
        .queue_subscribe("user.v1.login", "q".into())
        .await;
    edge.refused("subscription", "user.v1.login").await;
}

#[tokio::test]
async fn a_client_without_a_roles_key_is_turned_away() {
    let server = NatsServer::start_locked().await.unwrap();
    let anonymous = async_nats::ConnectOptions::new()
        .connect(server.url())
        .await;
    let error = anonymous.expect_err("connected without a key").to_string();
    assert!(error.to_lowercase().contains("authorization"), "{error}");
}

#[tokio::test]
async fn the_all_in_one_works_end_to_end_with_every_role_on_its_own_key() {
    let env = TestEnv::start_locked().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (_child, base) = support::start(&env, cwd.path(), &http, &[]).await;
    let flow = Flow { http, base };

    let (alice, alice_token) = flow.register("alice").await;
    let (bob, bob_token) = flow.register("bob").await;
    let video = flow.publish(&alice_token).await;
    let token = |t: &str| ("token", t.to_owned());
    let like = [
        token(&bob_token),
        ("video_id", video.to_string()),
        ("action_type", "1".into()),
    ];
    flow.post("/douyin/favorite/action/", &like).await;
    let comment = [
        token(&bob_token),
        ("video_id", video.to_string()),
        ("action_type", "1".into()),
        ("comment_text", "locked and working".into()),
    ];
    flow.post("/douyin/comment/action/", &comment).await;
    for (from, to) in [(&bob_token, alice), (&alice_token, bob)] {
        let follow = [
            token(from),
            ("to_user_id", to.to_string()),
            ("action_type", "1".into()),
        ];
        flow.post("/douyin/relation/action/", &follow).await;
    }
    let message = [
        token(&alice_token),
        ("to_user_id", bob.to_string()),
        ("action_type", "1".into()),
        ("content", "hi bob".into()),
    ];
    flow.post("/douyin/message/action/", &message).await;

    let likes = flow.get(format!(
        "/douyin/favorite/list/?user_id={bob}&token={bob_token}"
    ));
    assert_eq!(likes.await["video_list"][0]["id"], video);
    let comments = flow.get(format!(
        "/douyin/comment/list/?video_id={video}&token={bob_token}"
    ));
    assert_eq!(
        comments.await["comment_list"][0]["content"],
        "locked and working"
    );
    let friends = flow.get(format!(
        "/douyin/relation/friend/list/?user_id={alice}&token={alice_token}"
    ));
    assert_eq!(friends.await["user_list"][0]["id"], bob);
    let chat = format!("/douyin/message/chat/?token={bob_token}&to_user_id={alice}&pre_msg_time=0");
    assert_eq!(
        flow.get(&chat).await["message_list"][0]["content"],
        "hi bob"
    );
    let author = flow
        .get(&format!("/douyin/user/?user_id={alice}&token={bob_token}"))
        .await;
    assert_eq!(author["user"]["total_favorited"], 1, "{author}");

    let log = env.nats.log();
    // nats-server logs each refusal as "Publish Violation" or "Subscription Violation".
    assert!(
        !log.contains(" Violation - "),
        "the server refused something:\n{log}"
    );
}

/// The REST calls of the end-to-end test, each asserted to succeed.
struct Flow {
    http: reqwest::Client,
    base: String,
}

impl Flow {
    async fn register(&self, name: &str) -> (i64, String) {
        let path = format!("/douyin/user/register/?username={name}&password=secret1");
        let body = self.post(&path, &[]).await;
        (
            body["user_id"].as_i64().unwrap(),
            body["token"].as_str().unwrap().to_owned(),
        )
    }

    async fn publish(&self, token: &str) -> i64 {
        let data = reqwest::multipart::Part::bytes(testkit::media::mp4(1).unwrap())
            .file_name("clip.mp4")
            .mime_str("video/mp4")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("token", token.to_owned())
            .text("title", "on a locked bus")
            .part("data", data);
        let url = format!("{}/douyin/publish/action/", self.base);
        let response = self.http.post(url).multipart(form).send().await.unwrap();
        ok(response.json().await.unwrap());
        let list = self.get(&format!("/douyin/feed/?token={token}")).await;
        list["video_list"][0]["id"].as_i64().unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, String)]) -> Value {
        let url = format!("{}{path}", self.base);
        let response = self.http.post(url).form(form).send().await.unwrap();
        ok(response.json().await.unwrap())
    }

    async fn get(&self, path: impl AsRef<str>) -> Value {
        let url = format!("{}{}", self.base, path.as_ref());
        ok(self
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap())
    }
}

fn ok(body: Value) -> Value {
    assert_eq!(body["status_code"], 0, "{body}");
    body
}
