//! The follow domain's drift repair (see `hotstate::repair` and `hotstate::verify`): each
//! persisted batch is re-applied with the write path's own scripts, and the verifier
//! compares recently written sides with the rebuild's truth (MySQL plus the tail).

use std::sync::Arc;

use contract::relation::FollowEvent;
use fred::prelude::Client;
use futures::future::BoxFuture;

use crate::{
    State,
    hot::{Hot, Side},
    rebuild::{self, SideKey},
};

/// Re-applies persisted follows to both sides.
pub struct Reapply(pub Hot);

impl hotstate::Reapply for Reapply {
    type Event = FollowEvent;
    type Key = SideKey;

    fn domain(&self) -> &'static str {
        "relation"
    }

    fn redis(&self) -> &Client {
        self.0.redis()
    }

    fn keys(&self, event: &FollowEvent) -> Vec<SideKey> {
        rebuild::sides_of(event)
    }

    fn calls(&self, seq: u64, event: &FollowEvent) -> Vec<hotstate::Call<'static>> {
        [Side::Out, Side::In]
            .map(|side| self.0.call(side, seq, event))
            .into()
    }
}

/// The sides' truth and rebuild, for the verifier.
pub struct Truth(pub Arc<State>);

impl hotstate::Truth for Truth {
    type Key = SideKey;

    fn domain(&self) -> &'static str {
        "relation"
    }

    fn redis(&self) -> &Client {
        self.0.hot.redis()
    }

    fn truth(
        &self,
        keys: Vec<SideKey>,
    ) -> BoxFuture<'_, Result<hotstate::verify::Groups<SideKey>, String>> {
        Box::pin(async move {
            let sides = rebuild::truth(&self.0, &keys)
                .await
                .map_err(|e| e.to_string())?;
            Ok(sides
                .into_iter()
                .map(|(key, members)| {
                    let members: Vec<_> = members.into_iter().collect();
                    (key, self.0.hot.stage(key, &members))
                })
                .collect())
        })
    }

    fn rebuild(&self, keys: Vec<SideKey>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            rebuild::sides(&self.0, &keys)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
