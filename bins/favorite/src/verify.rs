//! The like domain's drift repair (see `hotstate::repair` and `hotstate::verify`): each
//! persisted batch is re-applied with the write path's own scripts, and the verifier
//! compares recently written groups with the rebuild's truth (MySQL plus the tail).

use std::sync::Arc;

use contract::favorite::FavoriteEvent;
use fred::prelude::Client;
use futures::future::BoxFuture;

use crate::{
    State,
    hot::{FavKey, Hot, keys_of},
    rebuild,
};

/// Re-applies persisted likes to their three groups.
pub struct Reapply(pub Hot);

impl hotstate::Reapply for Reapply {
    type Event = FavoriteEvent;
    type Key = FavKey;

    fn domain(&self) -> &'static str {
        "favorite"
    }

    fn redis(&self) -> &Client {
        self.0.redis()
    }

    fn keys(&self, event: &FavoriteEvent) -> Vec<FavKey> {
        keys_of(event)
    }

    fn calls(&self, seq: u64, event: &FavoriteEvent) -> Vec<hotstate::Call<'static>> {
        self.0.calls(seq, event)
    }
}

/// The like groups' truth and rebuild, for the verifier.
pub struct Truth(pub Arc<State>);

impl hotstate::Truth for Truth {
    type Key = FavKey;

    fn domain(&self) -> &'static str {
        "favorite"
    }

    fn redis(&self) -> &Client {
        self.0.hot.redis()
    }

    fn truth(
        &self,
        keys: Vec<FavKey>,
    ) -> BoxFuture<'_, Result<hotstate::verify::Groups<FavKey>, String>> {
        Box::pin(async move {
            let groups = rebuild::truth(&self.0, &keys)
                .await
                .map_err(|e| e.to_string())?;
            Ok(groups
                .into_iter()
                .map(|(key, group, _)| (key, group))
                .collect())
        })
    }

    fn rebuild(&self, keys: Vec<FavKey>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            rebuild::ensure(&self.0, &keys)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
