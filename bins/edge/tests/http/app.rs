//! A running edge and the workers behind it for one test, and helpers to read the JSON answers.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use objects::ObjectStore;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use settings::Settings;
use testkit::{RedisMode, TestEnv};
use tokio::task::JoinHandle;

use crate::workers::{WorkerSet, Workers};

pub struct App {
    pub base: String,
    /// Where the edge serves `/metrics` (its own listener, on a free port).
    pub metrics_base: String,
    pub http: reqwest::Client,
    /// The object store the edge and the video worker use (to check what is stored).
    pub store: Arc<dyn ObjectStore>,
    pub favorite: favorite::FavoriteWorker,
    workers: Workers,
    _s3: Option<testkit::S3Server>,
    shutdown: mesh::Shutdown,
    served: Option<JoinHandle<std::io::Result<()>>>,
    /// Declared last, so it is dropped last: its clean-up (the test's Redis keys) runs after
    /// the edge and the workers have let go.
    pub env: TestEnv,
}

impl App {
    /// Starts the edge with every worker behind it.
    pub async fn start() -> App {
        Self::launch(WorkerSet::ALL, |_| {}).await
    }

    /// Starts the edge with only the workers the user routes need (register, login, user).
    pub async fn start_users_only() -> App {
        Self::launch(WorkerSet::USER_ROUTES, |_| {}).await
    }

    /// Like [`App::start_users_only`], with settings adjusted by `tweak`.
    pub async fn start_users_only_with(tweak: impl FnOnce(&mut Settings)) -> App {
        Self::launch(WorkerSet::USER_ROUTES, tweak).await
    }

    /// Starts with videos and covers in a real S3-compatible server instead of JetStream.
    pub async fn start_with_s3() -> App {
        Self::start_with_s3_and(|_| {}).await
    }

    /// [`App::start_with_s3`] with settings adjusted by `tweak`.
    pub async fn start_with_s3_and(tweak: impl FnOnce(&mut Settings)) -> App {
        let s3 = testkit::S3Server::start().await.expect("SeaweedFS");
        let settings = s3.settings("gophertok-test");
        let mut app = Self::start_with(move |config| {
            config.media.store = settings::StoreKind::S3;
            config.media.s3 = settings;
            tweak(config);
        })
        .await;
        app._s3 = Some(s3);
        app
    }

    /// Starts with every worker and settings adjusted by `tweak` (e.g. a lower body limit).
    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> App {
        Self::launch(WorkerSet::ALL, tweak).await
    }

    /// Starts with every worker, its hot state on `redis` (one Redis or the Redis Cluster).
    pub async fn start_on(redis: RedisMode) -> App {
        Self::launch_on(redis, WorkerSet::ALL, |_| {}).await
    }

    /// [`App::start_on`] with settings adjusted by `tweak`.
    pub async fn start_with_on(redis: RedisMode, tweak: impl FnOnce(&mut Settings)) -> App {
        Self::launch_on(redis, WorkerSet::ALL, tweak).await
    }

    /// Starts the edge with the workers of `workers`, settings adjusted by `tweak`.
    pub async fn launch(workers: WorkerSet, tweak: impl FnOnce(&mut Settings)) -> App {
        Self::launch_on(RedisMode::Single, workers, tweak).await
    }

    /// [`App::launch`] with the hot state on `redis`.
    pub async fn launch_on(
        redis: RedisMode,
        workers: WorkerSet,
        tweak: impl FnOnce(&mut Settings),
    ) -> App {
        let env = TestEnv::start_on(redis).await.expect("test servers");
        Self::launch_in(env, workers, tweak).await
    }

    /// Starts every worker on a nats-server that carries messages of at most `bytes`.
    pub async fn start_with_max_payload(bytes: usize) -> App {
        let env = TestEnv::start_with_max_payload(bytes)
            .await
            .expect("test servers");
        Self::launch_in(env, WorkerSet::ALL, |_| {}).await
    }

    async fn launch_in(
        mut env: TestEnv,
        workers: WorkerSet,
        tweak: impl FnOnce(&mut Settings),
    ) -> App {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        env.settings.edge.public_base_url = base.clone();
        tweak(&mut env.settings);
        let (workers, favorite) = Workers::start(&env, workers).await;
        let edge = serve_edge(&env, listener).await;
        App {
            base,
            metrics_base: edge.metrics_base,
            http: reqwest::Client::new(),
            store: edge.store,
            favorite,
            workers,
            _s3: None,
            shutdown: edge.shutdown,
            served: Some(edge.served),
            env,
        }
    }

    /// The relation worker, to swap its persister (only apps started with it).
    pub fn relation(&mut self) -> &mut relation::RelationWorker {
        self.workers
            .relation
            .as_mut()
            .expect("this app runs the relation worker")
    }

    /// Fires the edge's shutdown; the returned task ends when the edge has stopped serving.
    pub fn shut_down(&mut self) -> JoinHandle<std::io::Result<()>> {
        self.shutdown.trigger();
        self.served.take().expect("the edge is shut down once")
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
        self.publish_form("", form).await
    }

    /// `POST /douyin/publish/action/{query}` with `form` as the body.
    pub async fn publish_form(&self, query: &str, form: reqwest::multipart::Form) -> Response {
        self.http
            .post(self.url(&format!("/douyin/publish/action/{query}")))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Deletes this test's Redis keys matching `pattern` (after the prefix), as a flush or
    /// a restart of Redis would. Only this test's keys are scanned, never the shared keyspace.
    pub async fn lose_redis(&self, pattern: &str) {
        let redis = settings::connect_redis(&self.env.settings.redis)
            .await
            .unwrap();
        let pattern = testkit::redis::under_prefix(&self.env.settings.redis.prefix, pattern);
        testkit::redis::delete_keys(&redis, &pattern).await.unwrap();
        let _ = fred::prelude::ClientLike::quit(&redis).await;
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

    /// GETs `path_and_query` until it answers 200 (after an outage, while clients reconnect),
    /// failing after `within`; returns the body.
    pub async fn get_until_ok(&self, path_and_query: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let response = self.get(path_and_query).await;
            if response.status() == StatusCode::OK {
                return ok_json(response).await;
            }
            assert!(
                Instant::now() < deadline,
                "not recovered: {}",
                response.status()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// An edge served by [`serve_edge`].
pub(crate) struct ServedEdge {
    pub store: Arc<dyn ObjectStore>,
    pub shutdown: mesh::Shutdown,
    pub metrics_base: String,
    /// Ends when the edge has stopped serving.
    pub served: JoinHandle<std::io::Result<()>>,
}

/// Serves the edge of `env` on `listener` (and `/metrics` on a free port, so parallel tests
/// never clash on the default one), quietly logged, until the returned shutdown fires.
pub(crate) async fn serve_edge(env: &TestEnv, listener: tokio::net::TcpListener) -> ServedEdge {
    let quiet = settings::TelemetrySettings {
        log_filter: "warn".into(),
        ..Default::default()
    };
    let telemetry = telemetry::init("edge-test", &quiet);
    let nats = settings::connect_nats(&env.settings.nats, settings::NatsRole::Edge, "edge", true)
        .await
        .expect("edge nats");
    let store = objects::connect(&env.settings.media, &nats, env.settings.nats.replicas)
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
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_base = format!("http://{}", metrics.local_addr().unwrap());
    let listeners = edge::Listeners {
        api: listener,
        metrics: Some(metrics),
    };
    state.end_streams_on(&shutdown);
    let api = edge::router(state.clone(), &env.settings);
    let metrics = edge::metrics_router(state);
    let edge_settings = env.settings.edge.clone();
    let stop = shutdown.clone();
    let served =
        tokio::spawn(
            async move { edge::serve(listeners, api, metrics, &edge_settings, stop).await },
        );
    ServedEdge {
        store,
        shutdown,
        metrics_base,
        served,
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
