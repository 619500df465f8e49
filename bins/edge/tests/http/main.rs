//! The edge over real HTTP, with a real user worker, nats-server, MariaDB and Redis behind it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod accounts;
mod app;
mod auth_routes;
mod bad_input;
mod bad_tokens;
mod caches;
mod caught_up;
mod comments;
mod compat;
mod follow_persistence;
mod key_refetch;
mod likes;
mod list_caps;
mod list_order;
mod list_seed;
mod no_responders;
mod outage;
mod partial_loss;
mod persistence;
mod publish_auth;
mod recording;
mod redelivery;
mod relation_hot;
mod routes;
mod same_millisecond;
mod social;
mod tokens;
mod video_input;
mod videos;
mod worker_failures;
mod workers;
