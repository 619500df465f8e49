//! The video domain: publishing (the bytes are already in the object store), the feed,
//! publish lists, and batch lookups for view composition.

use serde::{Deserialize, Serialize};

use crate::Rpc;

pub const SERVICE: &str = "video";

/// Where the edge streams uploads; the only keys the video worker adopts or deletes.
pub const UPLOAD_PREFIX: &str = "videos/";

/// Most videos one feed page holds (API.md).
pub const FEED_PAGE: u32 = 30;

/// Where every video worker instance hears of a video another instance stored (core NATS,
/// not a stream: each instance keeps the newest videos in memory and re-reads MySQL's newest
/// rows on a timer, so one lost message delays a video there by that period at most).
pub const PUBLISHED_SUBJECT: &str = "evt.video.published";

/// A video just committed to MySQL, with its author's work count including it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoPublished {
    pub video: VideoInfo,
    pub works: i64,
}

/// Publish a video whose file the edge has streamed to the object store at `upload_key`.
/// The worker checks the title, extracts the cover, and either keeps the upload or — when a
/// file with the same SHA-256 is already stored — deletes it and reuses the stored one.
/// When it rejects the publish, it deletes the upload too.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Publish {
    pub author_id: i64,
    pub title: String,
    pub upload_key: String,
    /// Lower-case hex SHA-256 of the file, computed while it streamed in.
    pub sha256: String,
    pub size: u64,
}

impl Rpc for Publish {
    const SUBJECT: &'static str = "video.v1.publish";
    type Reply = Published;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub video_id: i64,
    /// True when the file was already stored and this publish reused it.
    pub reused: bool,
}

/// At most `limit` (≤ [`FEED_PAGE`]) videos created strictly before `before_ms`, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Feed {
    pub before_ms: i64,
    pub limit: u32,
}

impl Rpc for Feed {
    const SUBJECT: &'static str = "video.v1.feed";
    type Reply = Videos;
}

/// An author's videos, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListByAuthor {
    pub author_id: i64,
}

impl Rpc for ListByAuthor {
    const SUBJECT: &'static str = "video.v1.by_author";
    type Reply = Videos;
}

/// Videos by id, in the order asked; unknown ids are left out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GetVideos {
    pub ids: Vec<i64>,
}

impl Rpc for GetVideos {
    const SUBJECT: &'static str = "video.v1.get";
    type Reply = Videos;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Videos {
    pub videos: Vec<VideoInfo>,
    /// The work counts of the videos' authors, so a page needs no [`WorkCounts`] request.
    /// Filled by the feed and publish lists; empty from [`GetVideos`] (and from workers that
    /// predate it: the caller then asks [`WorkCounts`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work_counts: Vec<AuthorCount>,
}

/// What the video domain owns of a video. Keys are object store keys; the edge turns them
/// into absolute URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    pub play_key: String,
    pub cover_key: String,
    pub created_ms: i64,
}

/// How many videos each author has published.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkCounts {
    pub author_ids: Vec<i64>,
}

impl Rpc for WorkCounts {
    const SUBJECT: &'static str = "video.v1.work_counts";
    type Reply = AuthorCounts;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuthorCounts {
    /// One entry per asked author that has published anything.
    pub counts: Vec<AuthorCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorCount {
    pub author_id: i64,
    pub count: i64,
}
