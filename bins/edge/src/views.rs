//! The JSON objects of the app's API (API.md), composed here from the domains' replies.

use contract::{user::Profile, video::VideoInfo};
use serde::Serialize;
use utoipa::ToSchema;

/// API.md's User. Counts owned by domains that do not exist yet are zero until they land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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

impl User {
    /// A user with the profile's fields; media paths become absolute under `base_url`.
    pub fn from_profile(profile: Profile, base_url: &str) -> Self {
        Self {
            id: profile.id,
            name: profile.name,
            follow_count: 0,
            follower_count: 0,
            is_follow: false,
            avatar: absolute(base_url, profile.avatar),
            background_image: absolute(base_url, profile.background_image),
            signature: profile.signature,
            total_favorited: 0,
            work_count: 0,
            favorite_count: 0,
        }
    }
}

/// API.md's Video. Likes and comments are zero until their domains land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Video {
    pub id: i64,
    pub author: User,
    pub play_url: String,
    pub cover_url: String,
    pub favorite_count: i64,
    pub comment_count: i64,
    pub is_favorite: bool,
    pub title: String,
}

impl Video {
    /// A video by `author`, its object keys turned into URLs under `media_base_url`.
    pub fn new(info: VideoInfo, author: User, media_base_url: &str) -> Self {
        let base = media_base_url.trim_end_matches('/');
        Self {
            id: info.id,
            author,
            play_url: format!("{base}/{}", info.play_key),
            cover_url: format!("{base}/{}", info.cover_key),
            favorite_count: 0,
            comment_count: 0,
            is_favorite: false,
            title: info.title,
        }
    }
}

/// API.md's FriendUser: a User and the latest message between the two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FriendUser {
    #[serde(flatten)]
    pub user: User,
    /// The latest message's text; empty when they never wrote.
    pub message: String,
    /// 0: the viewer received it, 1: the viewer sent it.
    #[serde(rename = "msgType")]
    pub msg_type: i32,
}

/// API.md's Message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Message {
    pub id: i64,
    pub to_user_id: i64,
    pub from_user_id: i64,
    pub content: String,
    pub create_time: i64,
}

impl From<contract::chat::MessageInfo> for Message {
    fn from(m: contract::chat::MessageInfo) -> Self {
        Self {
            id: m.id,
            to_user_id: m.to_id,
            from_user_id: m.from_id,
            content: m.content,
            create_time: m.create_time,
        }
    }
}

/// API.md's Comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    pub user: User,
    pub content: String,
    /// `MM-DD` of the posting day, in UTC.
    pub create_date: String,
}

/// `MM-DD` (UTC) of a time in milliseconds since the epoch.
pub fn month_day(ms: i64) -> String {
    // Howard Hinnant's civil-from-days: exact for every date, no calendar crate needed.
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{month:02}-{day:02}")
}

/// `path` under `base_url` when it is a path ("/static/x.png"); URLs are kept as they are.
pub fn absolute(base_url: &str, path: String) -> String {
    if path.starts_with('/') {
        format!("{}{path}", base_url.trim_end_matches('/'))
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::absolute;

    #[test]
    fn dates_are_month_and_day_in_utc() {
        assert_eq!(super::month_day(0), "01-01");
        assert_eq!(super::month_day(1_795_526_494_000), "11-24");
        assert_eq!(super::month_day(951_782_400_000), "02-29");
    }

    #[test]
    fn paths_become_absolute_and_urls_stay() {
        let base = "http://10.0.0.2:8080/";
        assert_eq!(
            absolute(base, "/static/a.png".into()),
            "http://10.0.0.2:8080/static/a.png"
        );
        assert_eq!(
            absolute(base, "https://cdn/x.png".into()),
            "https://cdn/x.png"
        );
    }
}
