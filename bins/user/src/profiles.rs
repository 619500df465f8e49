//! Profiles, read through two layers before MySQL: the ones this worker has served, in
//! memory, and every profile registered or read lately, in Redis (a profile is never edited:
//! the API has no profile edit). So `user.v1.get` answers without MySQL for any profile that
//! Redis holds — also while MySQL is down (issue 11: reads keep answering), and for a user
//! registered a moment ago on another instance. Only found profiles are held: an id MySQL does
//! not know is asked again next time, since it may be registered, and leaves no key behind.

mod shared;

use contract::user::Profile;
use moka::future::Cache;
use settings::UserSettings;
use sqlx::MySqlPool;

use crate::{error::UserError, store::ProfileRow};

pub use shared::SharedProfiles;

pub struct Profiles {
    served: Cache<i64, Profile>,
    shared: SharedProfiles,
    defaults: UserSettings,
}

impl Profiles {
    /// At most `max_entries` profiles in memory (`cache.profiles`, the callers' own bound).
    pub fn new(max_entries: u64, shared: SharedProfiles, defaults: UserSettings) -> Self {
        Self {
            served: Cache::new(max_entries),
            shared,
            defaults,
        }
    }

    /// The profiles of the users among `ids` that exist, sorted by id; Redis is asked only
    /// for the ids not in memory, MySQL only for those Redis does not hold either.
    pub async fn get(&self, db: &MySqlPool, ids: &[i64]) -> Result<Vec<Profile>, UserError> {
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.served.get(id).await {
                Some(profile) => found.push(profile),
                None => missing.push(*id),
            }
        }
        let (rows, missing) = self.shared.get(&missing).await;
        let read = crate::store::profiles(db, &missing).await?;
        self.shared.put(&read).await;
        for row in rows.into_iter().chain(read) {
            let profile = self.profile(row);
            self.served.insert(profile.id, profile.clone()).await;
            found.push(profile);
        }
        found.sort_unstable_by_key(|profile| profile.id);
        Ok(found)
    }

    /// Holds a profile just written to MySQL, so it is served without MySQL from now on.
    pub async fn registered(&self, row: ProfileRow) {
        self.shared.put(std::slice::from_ref(&row)).await;
        let profile = self.profile(row);
        self.served.insert(profile.id, profile).await;
    }

    /// The profile of a stored row; fields it leaves empty take the configured defaults, so a
    /// changed default shows on every profile that has none of its own.
    fn profile(&self, row: ProfileRow) -> Profile {
        let defaults = &self.defaults;
        Profile {
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
        }
    }
}
