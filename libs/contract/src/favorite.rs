//! The favorite domain: likes, per-video and per-user counts, a user's liked videos.

use serde::{Deserialize, Serialize};

use crate::Rpc;

pub const SERVICE: &str = "favorite";
/// The stream, its durable persistence consumer, and the event subject prefix.
pub const STREAM: &str = "FAVORITES";
pub const PERSIST_CONSUMER: &str = "favorite-persist";

/// `evt.favorite.<author_id>.<video_id>.<user_id>`: every token a rebuild filters on.
pub fn event_subject(author_id: i64, video_id: i64, user_id: i64) -> String {
    format!("evt.favorite.{author_id}.{video_id}.{user_id}")
}

/// The state a like / unlike leaves behind (not a toggle, so applying it twice is harmless).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FavoriteEvent {
    pub user_id: i64,
    pub video_id: i64,
    pub author_id: i64,
    pub liked: bool,
    pub at_ms: i64,
}

/// Like (`liked`) or unlike a video. The video must exist.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetFavorite {
    pub user_id: i64,
    pub video_id: i64,
    pub liked: bool,
}

impl Rpc for SetFavorite {
    const SUBJECT: &'static str = "favorite.v1.set";
    type Reply = FavoriteSet;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FavoriteSet {
    /// The stream sequence of the recorded event.
    pub seq: u64,
}

/// A user's liked videos, most recently liked first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListFavorites {
    pub user_id: i64,
}

impl Rpc for ListFavorites {
    const SUBJECT: &'static str = "favorite.v1.list";
    type Reply = FavoriteVideos;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FavoriteVideos {
    pub video_ids: Vec<i64>,
}

/// Like counts of N videos and whether `viewer` liked each.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoStats {
    pub video_ids: Vec<i64>,
    pub viewer: Option<i64>,
}

impl Rpc for VideoStats {
    const SUBJECT: &'static str = "favorite.v1.video_stats";
    type Reply = VideoStatsReply;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VideoStatsReply {
    pub stats: Vec<VideoStat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoStat {
    pub video_id: i64,
    pub favorite_count: i64,
    pub viewer_liked: bool,
}

/// For N users: how many videos each liked, and how many likes their videos received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserStats {
    pub user_ids: Vec<i64>,
}

impl Rpc for UserStats {
    const SUBJECT: &'static str = "favorite.v1.user_stats";
    type Reply = UserStatsReply;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserStatsReply {
    pub stats: Vec<UserStat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStat {
    pub user_id: i64,
    pub favorite_count: i64,
    pub total_favorited: i64,
}

/// [`VideoStats`] and [`UserStats`] of one page in one request: the videos' like counts
/// (and the viewer's likes) and their authors' like counts, read from hot state together.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageStats {
    pub video_ids: Vec<i64>,
    pub user_ids: Vec<i64>,
    pub viewer: Option<i64>,
}

impl Rpc for PageStats {
    const SUBJECT: &'static str = "favorite.v1.page_stats";
    type Reply = PageStatsReply;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PageStatsReply {
    pub videos: Vec<VideoStat>,
    pub users: Vec<UserStat>,
}
