//! The edge over real HTTP, with a real user worker, nats-server, MariaDB and Redis behind it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod accounts;
mod app;
mod bad_input;
mod comments;
mod compat;
mod follow_persistence;
mod likes;
mod list_caps;
mod list_order;
mod list_seed;
mod outage;
mod persistence;
mod relation_hot;
mod same_millisecond;
mod social;
mod tokens;
mod video_input;
mod videos;
