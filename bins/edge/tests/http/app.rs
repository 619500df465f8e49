//! A running edge + user worker for one test, and helpers to read the JSON answers.

use std::sync::Arc;

use objects::ObjectStore;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use settings::Settings;
use testkit::TestEnv;

pub struct App {
    pub env: TestEnv,
    pub base: String,
    pub http: reqwest::Client,
    /// The object store the edge and the video worker use (to check what is stored).
    pub store: Arc<dyn ObjectStore>,
    _user: user::UserWorker,
    _video: video::VideoWorker,
    pub favorite: favorite::FavoriteWorker,
    _comment: comment::CommentWorker,
    pub relation: relation::RelationWorker,
    _chat: chat::ChatWorker,
    _s3: Option<testkit::S3Server>,
    shutdown: mesh::Shutdown,
}

impl App {
    pub async fn start() -> App {
        Self::start_with(|_| {}).await
    }

    /// Starts with videos and covers in a real S3-compatible server instead of JetStream.
    pub async fn start_with_s3() -> App {
        let s3 = testkit::S3Server::start().await.expect("SeaweedFS");
        let settings = s3.settings("gophertok-test");
        let mut app = Self::start_with(move |config| {
            config.media.store = settings::StoreKind::S3;
            config.media.s3 = settings;
        })
        .await;
        app._s3 = Some(s3);
        app
    }

    /// Starts with settings adjusted by `tweak` (e.g. a lower body limit).
    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> App {
        let mut env = TestEnv::start().await.expect("test servers");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        env.settings.edge.public_base_url = base.clone();
        tweak(&mut env.settings);
        let quiet = settings::TelemetrySettings {
            log_filter: "warn".into(),
            ..Default::default()
        };
        let telemetry = telemetry::init("edge-test", &quiet);
        let user_nats = env.nats_client().await.expect("nats");
        let user = user::start(&env.settings, user_nats)
            .await
            .expect("user worker");
        let video_nats = env.nats_client().await.expect("nats");
        let video = video::start(&env.settings, video_nats)
            .await
            .expect("video worker");
        let favorite_nats = env.nats_client().await.expect("nats");
        let favorite = favorite::start(&env.settings, favorite_nats)
            .await
            .expect("favorite worker");
        let comment_nats = env.nats_client().await.expect("nats");
        let comment = comment::start(&env.settings, comment_nats)
            .await
            .expect("comment worker");
        let relation_nats = env.nats_client().await.expect("nats");
        let relation = relation::start(&env.settings, relation_nats)
            .await
            .expect("relation worker");
        let chat_nats = env.nats_client().await.expect("nats");
        let chat = chat::start(&env.settings, chat_nats)
            .await
            .expect("chat worker");
        let nats = settings::connect_nats(&env.settings.nats, "edge", true)
            .await
            .expect("edge nats");
        let store = objects::connect(&env.settings.media, &nats)
            .await
            .expect("store");
        let state = edge::AppState::new(
            &env.settings,
            nats,
            Arc::clone(&store),
            telemetry,
            Vec::new(),
        );
        let shutdown = mesh::Shutdown::new();
        let router = edge::router(state, &env.settings);
        tokio::spawn(edge::serve(listener, router, shutdown.clone()));
        App {
            env,
            base,
            http: reqwest::Client::new(),
            store,
            _user: user,
            _video: video,
            favorite,
            _comment: comment,
            relation,
            _chat: chat,
            _s3: None,
            shutdown,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Registers through the API and returns (user_id, token).
    pub async fn register(&self, username: &str, password: &str) -> (i64, String) {
        let response = self
            .http
            .post(self.url("/douyin/user/register/"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        let body = ok_json(response).await;
        (
            body["user_id"].as_i64().unwrap(),
            body["token"].as_str().unwrap().to_owned(),
        )
    }

    /// `POST /douyin/publish/action/` with `bytes` as the `data` file.
    pub async fn publish(
        &self,
        token: &str,
        bytes: Vec<u8>,
        file_name: &str,
        title: &str,
    ) -> Response {
        let file = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str("video/mp4")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("token", token.to_owned())
            .text("title", title.to_owned())
            .part("data", file);
        self.http
            .post(self.url("/douyin/publish/action/"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Deletes this test's Redis keys matching `pattern` (after the prefix), as a flush or
    /// a restart of Redis would.
    pub async fn lose_redis(&self, pattern: &str) {
        use fred::prelude::LuaInterface;
        let redis = settings::connect_redis(&self.env.settings.redis)
            .await
            .unwrap();
        let script =
            "for _, k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end return 1";
        let pattern = format!("{}{pattern}", self.env.settings.redis.prefix);
        let _: i64 = redis
            .eval(script, Vec::<String>::new(), vec![pattern])
            .await
            .unwrap();
    }

    /// Keys in the object store under `prefix`.
    pub async fn stored(&self, prefix: &str) -> Vec<String> {
        self.store.list(prefix).await.unwrap()
    }

    pub async fn get(&self, path_and_query: &str) -> Response {
        self.http
            .get(self.url(path_and_query))
            .send()
            .await
            .unwrap()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Asserts a 200 with `status_code` 0 and returns the body.
pub async fn ok_json(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status_code"], 0, "{body}");
    assert!(body["status_msg"].is_string(), "{body}");
    body
}

/// Asserts the failure shape of API.md: the given status, a JSON body with a non-zero
/// `status_code` and a readable `status_msg`. Returns the message.
pub async fn error_json(response: Response, expected: StatusCode) -> String {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    assert_eq!(status, expected, "{body}");
    let code = body["status_code"].as_i64().expect("numeric status_code");
    assert_ne!(code, 0, "{body}");
    let message = body["status_msg"].as_str().expect("status_msg").to_owned();
    assert!(!message.is_empty());
    message
}
