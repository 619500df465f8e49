//! The profiles this worker has served, held in memory (a profile is never edited: the API
//! has no profile edit), so `user.v1.get` answers a profile it has read before without MySQL
//! — also while MySQL is down (issue 11: reads keep answering). Only found profiles are
//! held: an id MySQL does not know is asked again next time, since it may be registered.

use contract::user::Profile;
use moka::future::Cache;
use settings::UserSettings;
use sqlx::MySqlPool;

use crate::{error::UserError, store};

pub struct Profiles {
    served: Cache<i64, Profile>,
}

impl Profiles {
    /// At most `max_entries` profiles (`cache.profiles`, the callers' own bound).
    pub fn new(max_entries: u64) -> Self {
        Self {
            served: Cache::new(max_entries),
        }
    }

    /// The profiles of the users among `ids` that exist; MySQL is asked only for the ids
    /// not held, and not at all when every one is.
    pub async fn get(
        &self,
        db: &MySqlPool,
        defaults: &UserSettings,
        ids: &[i64],
    ) -> Result<Vec<Profile>, UserError> {
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.served.get(id).await {
                Some(profile) => found.push(profile),
                None => missing.push(*id),
            }
        }
        for row in store::profiles(db, &missing).await? {
            let profile = Profile {
                id: row.id,
                name: row.username,
                avatar: row
                    .avatar
                    .unwrap_or_else(|| defaults.default_avatar.clone()),
                background_image: row
                    .background_image
                    .unwrap_or_else(|| defaults.default_background_image.clone()),
                signature: row
                    .signature
                    .unwrap_or_else(|| defaults.default_signature.clone()),
            };
            self.served.insert(profile.id, profile.clone()).await;
            found.push(profile);
        }
        found.sort_unstable_by_key(|profile| profile.id);
        Ok(found)
    }
}
