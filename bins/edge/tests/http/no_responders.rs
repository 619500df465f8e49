//! The edge with only the user worker behind it: every route whose domain has no worker
//! running answers 503 at once (no responders), and a publish nobody takes leaves no upload.

use std::{sync::Arc, time::Instant};

use objects::ObjectStore;
use reqwest::StatusCode;
use testkit::{TestEnv, media};

use crate::app::{error_json, serve_edge};

/// An edge and a user worker (so tokens work), and no other domain.
struct LoneEdge {
    env: TestEnv,
    base: String,
    http: reqwest::Client,
    store: Arc<dyn ObjectStore>,
    _user: user::UserWorker,
    shutdown: mesh::Shutdown,
}

impl LoneEdge {
    async fn start() -> Self {
        let env = TestEnv::start().await.expect("test servers");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let user_nats = env.nats_client().await.unwrap();
        let user = user::start(&env.settings, user_nats).await.unwrap();
        let edge = serve_edge(&env, listener).await;
        Self {
            env,
            base,
            http: reqwest::Client::new(),
            store: edge.store,
            _user: user,
            shutdown: edge.shutdown,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn register(&self) -> (i64, String) {
        let form = [("username", "lonely"), ("password", "secret1")];
        let response = self
            .http
            .post(self.url("/douyin/user/register/"))
            .form(&form);
        let body = crate::app::ok_json(response.send().await.unwrap()).await;
        let id = body["user_id"].as_i64().unwrap();
        (id, body["token"].as_str().unwrap().to_owned())
    }
}

impl Drop for LoneEdge {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

#[tokio::test]
async fn a_domain_without_a_running_worker_is_a_prompt_503() {
    let edge = LoneEdge::start().await;
    let (id, token) = edge.register().await;
    let gets = [
        "/douyin/feed/".to_owned(),
        format!("/douyin/user/?token={token}"),
        format!("/douyin/comment/list/?video_id=1&token={token}"),
        format!("/douyin/relation/follow/list/?user_id={id}"),
        format!("/douyin/message/chat/?to_user_id=1&token={token}"),
    ];
    let posts = [
        ("/douyin/favorite/action/", vec![("video_id", "1")]),
        (
            "/douyin/comment/action/",
            vec![("video_id", "1"), ("comment_text", "x")],
        ),
        ("/douyin/relation/action/", vec![("to_user_id", "1")]),
        (
            "/douyin/message/action/",
            vec![("to_user_id", "1"), ("content", "x")],
        ),
    ];
    let timeout = edge.env.settings.request_timeout();
    for path in gets {
        let started = Instant::now();
        let response = edge.http.get(edge.url(&path)).send().await.unwrap();
        error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
        assert!(
            started.elapsed() < timeout / 2,
            "{path} waited for a timeout"
        );
    }
    for (path, fields) in posts {
        let mut form = fields;
        form.extend([("token", token.as_str()), ("action_type", "1")]);
        let started = Instant::now();
        let response = edge.http.post(edge.url(path)).form(&form).send().await;
        error_json(response.unwrap(), StatusCode::SERVICE_UNAVAILABLE).await;
        assert!(
            started.elapsed() < timeout / 2,
            "{path} waited for a timeout"
        );
    }
}

#[tokio::test]
async fn a_publish_no_video_worker_takes_is_a_503_and_its_upload_is_deleted() {
    let edge = LoneEdge::start().await;
    let (_, token) = edge.register().await;
    let file = reqwest::multipart::Part::bytes(media::mp4(50).unwrap())
        .file_name("v.mp4")
        .mime_str("video/mp4")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("token", token)
        .text("title", "nobody takes it")
        .part("data", file);
    let publish = edge.http.post(edge.url("/douyin/publish/action/"));
    let response = publish.multipart(form).send().await.unwrap();
    error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
    // The edge deletes the upload before it answers.
    let stored = edge.store.list("").await.unwrap();
    assert_eq!(stored, Vec::<String>::new(), "the upload was left behind");
}
