//! The immutable facts every page needs, cached in each process that calls their owners:
//! profiles (the API has no profile edit) and video metadata with its media keys (a video is
//! never edited). [`Caller::profiles`] and [`Caller::videos`] answer from the cache and ask
//! the owning worker, in one batch request, only for the ids it does not hold.

use std::{collections::HashMap, sync::Arc, time::Duration};

use contract::{
    user::{GetUsers, Profile},
    video::{GetVideos, VideoInfo},
};
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
            profiles: Lookup::new(limits(settings.profiles), |profile| profile.id),
            videos: Lookup::new(limits(settings.videos), |video| video.id),
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

    /// This caller's caches (sizes, for tests and metrics).
    pub fn facts(&self) -> &Arc<Facts> {
        &self.facts
    }
}
