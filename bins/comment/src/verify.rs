//! The comment domain's drift repair (see `hotstate::repair` and `hotstate::verify`): each
//! persisted batch is re-applied with the write path's own script, and the verifier
//! compares recently written videos with the rebuild's truth (MySQL plus the tail).

use std::sync::Arc;

use contract::comment::CommentEvent;
use fred::prelude::Client;
use futures::future::BoxFuture;

use crate::{State, hot::Hot, rebuild};

/// Re-applies persisted comment events to their videos.
pub struct Reapply(pub Hot);

impl hotstate::Reapply for Reapply {
    type Event = CommentEvent;
    type Key = i64;

    fn domain(&self) -> &'static str {
        "comment"
    }

    fn redis(&self) -> &Client {
        self.0.redis()
    }

    fn keys(&self, event: &CommentEvent) -> Vec<i64> {
        rebuild::video_of(event)
    }

    fn calls(&self, seq: u64, event: &CommentEvent) -> Vec<hotstate::Call<'static>> {
        vec![self.0.call(seq, event)]
    }
}

/// The videos' truth and rebuild, for the verifier.
pub struct Truth(pub Arc<State>);

impl hotstate::Truth for Truth {
    type Key = i64;

    fn domain(&self) -> &'static str {
        "comment"
    }

    fn redis(&self) -> &Client {
        self.0.hot.redis()
    }

    fn truth(
        &self,
        videos: Vec<i64>,
    ) -> BoxFuture<'_, Result<hotstate::verify::Groups<i64>, String>> {
        Box::pin(async move {
            let latest = rebuild::latest(&self.0, &videos)
                .await
                .map_err(|e| e.to_string())?;
            Ok(latest
                .into_iter()
                .map(|(video, comments)| {
                    let comments: Vec<(u64, CommentEvent)> = comments.into_values().collect();
                    (video, self.0.hot.stage(video, &comments))
                })
                .collect())
        })
    }

    fn rebuild(&self, videos: Vec<i64>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            rebuild::videos(&self.0, &videos)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
