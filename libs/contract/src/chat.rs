//! The chat domain: direct messages, conversation history and latest messages.

use serde::{Deserialize, Serialize};

use crate::Rpc;

pub const SERVICE: &str = "chat";

/// `evt.chat.message.<user_id>` (core NATS, no stream): a notice to `user_id` — the
/// recipient, and the sender for their other devices — that a message was just stored; the
/// payload is its [`MessageInfo`]. The edge's live-chat streams push it on. The store stays
/// the record: a client that missed notices catches up with `chat.v1.history` after the
/// newest `create_time` it has.
pub fn notice_subject(user_id: i64) -> String {
    format!("evt.chat.message.{user_id}")
}

/// Send a message (1–1000 characters after trimming, masked). Not to yourself (400); the
/// recipient must exist (404).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMessage {
    pub from_id: i64,
    pub to_id: i64,
    pub content: String,
}

impl Rpc for SendMessage {
    const SUBJECT: &'static str = "chat.v1.send";
    type Reply = MessageInfo;
}

/// One conversation, both directions, oldest first, strictly after `after_ms`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct History {
    pub user_id: i64,
    pub peer_id: i64,
    pub after_ms: i64,
}

impl Rpc for History {
    const SUBJECT: &'static str = "chat.v1.history";
    type Reply = Messages;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Messages {
    pub messages: Vec<MessageInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageInfo {
    pub id: i64,
    pub from_id: i64,
    pub to_id: i64,
    pub content: String,
    /// Milliseconds since the epoch.
    pub create_time: i64,
}

/// The latest message between `user_id` and each of `peer_ids` (for the friend list).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Latest {
    pub user_id: i64,
    pub peer_ids: Vec<i64>,
}

impl Rpc for Latest {
    const SUBJECT: &'static str = "chat.v1.latest";
    type Reply = LatestMessages;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LatestMessages {
    pub latest: Vec<PeerMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerMessage {
    pub peer_id: i64,
    pub message: Option<MessageInfo>,
}
