//! The relation domain: follows, followers, friends (mutual follows) and their counts.

use serde::{Deserialize, Serialize};

use crate::Rpc;

pub const SERVICE: &str = "relation";
pub const STREAM: &str = "RELATIONS";
pub const PERSIST_CONSUMER: &str = "relation-persist";

/// `evt.relation.<follower_id>.<followee_id>`.
pub fn event_subject(follower_id: i64, followee_id: i64) -> String {
    format!("evt.relation.{follower_id}.{followee_id}")
}

/// The state a follow / unfollow leaves behind (not a toggle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowEvent {
    pub follower_id: i64,
    pub followee_id: i64,
    pub following: bool,
    pub at_ms: i64,
}

/// Follow (`following`) or unfollow. Not yourself (400); the followee must exist (404).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetFollow {
    pub follower_id: i64,
    pub followee_id: i64,
    pub following: bool,
}

impl Rpc for SetFollow {
    const SUBJECT: &'static str = "relation.v1.set";
    type Reply = FollowSet;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FollowSet {
    pub seq: u64,
}

/// Which list of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// Whom the user follows.
    Follows,
    /// Who follows the user.
    Followers,
    /// Mutual follows.
    Friends,
}

/// A user's follows, followers or friends, most recent first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListRelations {
    pub user_id: i64,
    pub kind: ListKind,
    /// Start after this entry (the `next` of the previous page); none: the newest.
    #[serde(default)]
    pub after: Option<ListCursor>,
}

/// A position in a newest-first relation list: the last entry a page showed, by the time
/// of its follow and its user id (ties of one millisecond ordered by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCursor {
    pub at_ms: i64,
    pub user_id: i64,
}

impl Rpc for ListRelations {
    const SUBJECT: &'static str = "relation.v1.list";
    type Reply = UserIds;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserIds {
    pub user_ids: Vec<i64>,
    /// When each listed follow happened (the list's order), one per user id.
    #[serde(default)]
    pub times_ms: Vec<i64>,
    /// Where the next page starts; none: this page is the list's end.
    #[serde(default)]
    pub next: Option<ListCursor>,
}

/// For N users: follow and follower counts, and whether `viewer` follows each.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RelationStats {
    pub user_ids: Vec<i64>,
    pub viewer: Option<i64>,
}

impl Rpc for RelationStats {
    const SUBJECT: &'static str = "relation.v1.stats";
    type Reply = RelationStatsReply;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RelationStatsReply {
    pub stats: Vec<RelationStat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationStat {
    pub user_id: i64,
    pub follow_count: i64,
    pub follower_count: i64,
    pub viewer_follows: bool,
}
