//! The edge over real HTTP, with a real user worker, nats-server, MariaDB and Redis behind it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

/// Runs each named hot-state test twice, as `NAME::on_one_redis` and
/// `NAME::on_a_redis_cluster`: the test is an `async fn NAME(redis: RedisMode)` that starts its
/// app with `App::start_on(redis)`. Only the tests that exercise the Redis scripts use it, so
/// the suite grows by those alone (the cluster starts once per test binary).
/// `cargo test -p edge --test http on_a_redis_cluster` runs the cluster half.
macro_rules! on_both_redis_modes {
    ($($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[tokio::test]
                async fn on_one_redis() {
                    super::$test(testkit::RedisMode::Single).await
                }

                #[tokio::test]
                async fn on_a_redis_cluster() {
                    super::$test(testkit::RedisMode::Cluster).await
                }
            }
        )+
    };
}

mod accounts;
mod app;
mod auth_routes;
mod bad_input;
mod bad_tokens;
mod caches;
mod caught_up;
mod chat_deferred;
mod chat_order;
mod comments;
mod compat;
mod docs;
mod follow_persistence;
mod hostile_video;
mod hot_churn;
mod hot_loss;
mod hot_scale;
mod http_server;
mod key_refetch;
mod likes;
mod list_caps;
mod list_order;
mod list_seed;
mod live_config;
mod login_flood;
mod media_range;
mod message_stream;
mod no_responders;
mod outage;
mod partial_loss;
mod persistence;
mod publish_auth;
mod rate_limits;
mod recording;
mod redelivery;
mod relation_hot;
mod reply_limits;
mod retries;
mod routes;
mod same_millisecond;
mod social;
mod store_outage;
mod tokens;
mod upload_leaks;
mod upload_limits;
mod video_input;
mod videos;
mod web;
mod worker_failures;
mod workers;
