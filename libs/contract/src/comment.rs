//! The comment domain: posting and deleting comments, lists and counts per video.

use serde::{Deserialize, Serialize};

use crate::Rpc;

pub const SERVICE: &str = "comment";
pub const STREAM: &str = "COMMENTS";
pub const PERSIST_CONSUMER: &str = "comment-persist";

/// `evt.comment.<video_id>.<comment_id>`: a rebuild of one video's comments filters on it.
pub fn event_subject(video_id: i64, comment_id: i64) -> String {
    format!("evt.comment.{video_id}.{comment_id}")
}

/// A comment as posted, or its deletion (`deleted`), with everything needed to rebuild it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentEvent {
    pub comment_id: i64,
    pub video_id: i64,
    pub user_id: i64,
    pub content: String,
    pub created_ms: i64,
    pub deleted: bool,
}

/// Post a comment (text checked and masked by the worker). The video must exist.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostComment {
    pub user_id: i64,
    pub video_id: i64,
    pub text: String,
}

impl Rpc for PostComment {
    const SUBJECT: &'static str = "comment.v1.post";
    type Reply = CommentInfo;
}

/// Delete a comment; only its author may (403), a missing comment is 404.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteComment {
    pub user_id: i64,
    pub video_id: i64,
    pub comment_id: i64,
}

impl Rpc for DeleteComment {
    const SUBJECT: &'static str = "comment.v1.delete";
    type Reply = CommentDeleted;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommentDeleted {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentInfo {
    pub id: i64,
    pub video_id: i64,
    pub user_id: i64,
    pub content: String,
    pub created_ms: i64,
}

/// A video's comments, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListComments {
    pub video_id: i64,
}

impl Rpc for ListComments {
    const SUBJECT: &'static str = "comment.v1.list";
    type Reply = Comments;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Comments {
    pub comments: Vec<CommentInfo>,
}

/// Comment counts of N videos.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommentCounts {
    pub video_ids: Vec<i64>,
}

impl Rpc for CommentCounts {
    const SUBJECT: &'static str = "comment.v1.counts";
    type Reply = VideoCommentCounts;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VideoCommentCounts {
    pub counts: Vec<VideoCommentCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoCommentCount {
    pub video_id: i64,
    pub count: i64,
}
