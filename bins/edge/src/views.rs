//! The JSON objects of the app's API (API.md), composed here from the domains' replies.

use contract::user::Profile;
use serde::Serialize;

/// API.md's User. Counts owned by domains that do not exist yet are zero until they land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub follow_count: i64,
    pub follower_count: i64,
    pub is_follow: bool,
    pub avatar: String,
    pub background_image: String,
    pub signature: String,
    pub total_favorited: i64,
    pub work_count: i64,
    pub favorite_count: i64,
}

impl From<Profile> for User {
    fn from(profile: Profile) -> Self {
        Self {
            id: profile.id,
            name: profile.name,
            follow_count: 0,
            follower_count: 0,
            is_follow: false,
            avatar: profile.avatar,
            background_image: profile.background_image,
            signature: profile.signature,
            total_favorited: 0,
            work_count: 0,
            favorite_count: 0,
        }
    }
}
