//! The live-chat streams open on this edge instance: each is a connection and a NATS
//! subscription to its user's chat notices, so they are bounded per user and in total
//! (`edge.live.*`, 429 past either), counted in `sse_streams_open`, and ended together when
//! the edge shuts down (so a deploy does not wait out the grace period for them).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::http::StatusCode;
use settings::LiveStreams;

use crate::error::ApiError;

pub struct Live {
    nats: async_nats::Client,
    bounds: LiveStreams,
    open: Mutex<Open>,
    closing: mesh::Shutdown,
}

#[derive(Default)]
struct Open {
    per_user: HashMap<i64, usize>,
    total: usize,
}

/// One open stream: its user's notices, holding its place in the bounds until dropped.
pub struct Stream {
    notices: async_nats::Subscriber,
    _slot: Slot,
}

impl futures::Stream for Stream {
    type Item = async_nats::Message;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        futures::StreamExt::poll_next_unpin(&mut self.notices, cx)
    }
}

struct Slot {
    live: Arc<Live>,
    user_id: i64,
}

impl Live {
    pub fn new(nats: async_nats::Client, bounds: LiveStreams) -> Arc<Self> {
        Arc::new(Self {
            nats,
            bounds,
            open: Mutex::new(Open::default()),
            closing: mesh::Shutdown::new(),
        })
    }

    pub fn heartbeat(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.bounds.heartbeat_ms)
    }

    /// Fires when the edge shuts down: every stream ends.
    pub fn closing(&self) -> mesh::Shutdown {
        self.closing.clone()
    }

    /// Ends every stream once `shutdown` fires.
    pub fn end_on(&self, shutdown: &mesh::Shutdown) {
        let (shutdown, closing) = (shutdown.clone(), self.closing.clone());
        tokio::spawn(async move {
            shutdown.wait().await;
            closing.trigger();
        });
    }

    /// A stream of `user_id`'s notices; 429 past a bound, 503 without NATS or after
    /// shutdown began. The subscription is on the server when this returns (a message
    /// stored after the client got its response is never missed).
    pub async fn open(self: &Arc<Self>, user_id: i64, subject: String) -> Result<Stream, ApiError> {
        if self.closing.is_triggered() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down",
            ));
        }
        let slot = self.take(user_id)?;
        let notices = self.nats.subscribe(subject).await.map_err(nats_down)?;
        self.nats.flush().await.map_err(nats_down)?;
        Ok(Stream {
            notices,
            _slot: slot,
        })
    }

    fn take(self: &Arc<Self>, user_id: i64) -> Result<Slot, ApiError> {
        let mut open = self.lock();
        if open.total >= self.bounds.max_total {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many live streams on this server; poll /douyin/message/chat/ instead",
            ));
        }
        let mine = open.per_user.entry(user_id).or_default();
        if *mine >= self.bounds.max_per_user {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "at most {} live streams per user; close one first",
                    self.bounds.max_per_user
                ),
            ));
        }
        *mine += 1;
        open.total += 1;
        metrics::gauge!("sse_streams_open").set(open.total as f64);
        Ok(Slot {
            live: Arc::clone(self),
            user_id,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // A panic while holding it cannot leave the counts half-changed: use them.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.live.lock();
        if let Some(mine) = open.per_user.get_mut(&self.user_id) {
            *mine -= 1;
            if *mine == 0 {
                open.per_user.remove(&self.user_id);
            }
        }
        open.total -= 1;
        metrics::gauge!("sse_streams_open").set(open.total as f64);
    }
}

fn nats_down(err: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %err, "opening a live stream");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "live messages are unavailable right now; poll instead",
    )
}
