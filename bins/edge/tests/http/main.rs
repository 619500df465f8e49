//! The edge over real HTTP, with a real user worker, nats-server, MariaDB and Redis behind it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod accounts;
mod app;
mod bad_input;
mod caught_up;
mod comments;
mod compat;
mod likes;
mod outage;
mod partial_loss;
mod persistence;
mod recording;
mod redelivery;
mod routes;
mod social;
mod tokens;
mod video_input;
mod videos;
