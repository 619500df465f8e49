//! The immutable facts every page needs, cached in each process that calls their owners:
//! profiles (the API has no profile edit) and video metadata with its media keys (a video is
//! never edited). [`Caller::profiles`] and [`Caller::videos`] answer from the cache and ask
//! the owning worker, in one batch request, only for the ids it does not hold.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use contract::{
    user::{GetUsers, Profile},
    video::{GetVideos, VideoInfo},
};
use futures::future::join_all;
use settings::CacheSettings;

use crate::{
    CallError, Caller,
    lookup::{Lookup, LookupLimits},
};

/// One process's caches; shared by every clone of its [`Caller`].
pub struct Facts {
    profiles: Lookup<Profile>,
    videos: Lookup<VideoInfo>,
}

impl Facts {
    /// `load_timeout` bounds how long a load in flight is waited for by other lookups.
    pub fn new(settings: &CacheSettings, load_timeout: Duration) -> Self {
        let limits = |max_entries| LookupLimits {
            max_entries,
            negative_ttl: Duration::from_millis(settings.negative_ttl_ms),
            load_ttl: load_timeout,
        };
        Self {
            profiles: Lookup::new("profiles", limits(settings.profiles), |p| p.id),
            videos: Lookup::new("videos", limits(settings.videos), |video| video.id),
        }
    }

    /// How many profiles and videos are held (found or known missing).
    pub async fn sizes(&self) -> (u64, u64) {
        (self.profiles.len().await, self.videos.len().await)
    }
}

impl Caller {
    /// Profiles of the users among `ids` that exist.
    pub async fn profiles(&self, ids: &[i64]) -> Result<HashMap<i64, Profile>, CallError> {
        let caller = self.clone();
        let load = |ids| async move { Ok(caller.call(&GetUsers { ids }).await?.users) };
        self.facts.profiles.get_many(ids, load).await
    }

    /// Metadata (author, title, media keys) of the videos among `ids` that exist.
    pub async fn videos(&self, ids: &[i64]) -> Result<HashMap<i64, VideoInfo>, CallError> {
        let caller = self.clone();
        let load = |ids| async move { Ok(caller.call(&GetVideos { ids }).await?.videos) };
        self.facts.videos.get_many(ids, load).await
    }

    /// The users among `ids` known to exist. Empty when that cannot be told right now (the
    /// user service does not answer): callers then treat every id as possibly missing.
    pub async fn existing_users(&self, ids: &[i64]) -> HashSet<i64> {
        let chunks = lookup_chunks(ids);
        let found = join_all(chunks.iter().map(|chunk| self.profiles(chunk))).await;
        found.into_iter().flat_map(known).collect()
    }

    /// The videos among `ids` known to exist; empty when that cannot be told right now.
    pub async fn existing_videos(&self, ids: &[i64]) -> HashSet<i64> {
        let chunks = lookup_chunks(ids);
        let found = join_all(chunks.iter().map(|chunk| self.videos(chunk))).await;
        found.into_iter().flat_map(known).collect()
    }

    /// This caller's caches (sizes, for tests and metrics).
    pub fn facts(&self) -> &Arc<Facts> {
        &self.facts
    }
}

/// Most ids the owners' batch lookups (`user.v1.get`, `video.v1.get`) take in one request.
const LOOKUP_MAX: usize = 1_000;

/// `ids` without repeats, in requests the owners accept: a rebuild batch (coalesced misses,
/// both sides of a user) can name more ids than one lookup takes.
fn lookup_chunks(ids: &[i64]) -> Vec<Vec<i64>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.chunks(LOOKUP_MAX).map(<[i64]>::to_vec).collect()
}

fn known<V>(found: Result<HashMap<i64, V>, CallError>) -> HashSet<i64> {
    match found {
        Ok(found) => found.into_keys().collect(),
        Err(err) => {
            tracing::debug!(error = %err, "existence lookup failed; treating ids as unknown");
            HashSet::new()
        }
    }
}
