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

/// `MESSAGES`: the messages the chat store could not take when they were sent (it was
/// down or too slow). A send that finds the store unavailable is acknowledged once its
/// message is here; the chat worker's `chat-persist` consumer stores it when the store is
/// back, at a time after the conversation's latest then (so polls still see each message
/// once), and only then notifies the two users.
pub const STREAM: &str = "MESSAGES";

/// The durable consumer that stores `MESSAGES` (shared by every chat worker).
pub const PERSIST_CONSUMER: &str = "chat-persist";

/// `evt.chat.deferred.<lo>.<hi>`: a message of the conversation of users `lo` < `hi`
/// waiting in `MESSAGES` for the store; the payload is its [`MessageInfo`] (its
/// `create_time` the time it was sent).
pub fn event_subject(a: i64, b: i64) -> String {
    format!("evt.chat.deferred.{}.{}", a.min(b), a.max(b))
}

/// Send a message (1–1000 characters after trimming, masked). Not to yourself (400); the
/// recipient must exist (404).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMessage {
    pub from_id: i64,
    pub to_id: i64,
    pub content: String,
}

/// The reply is the message as stored, or — when the store was unavailable and the message
/// waits in [`STREAM`] — as sent: its `create_time` may then still move forward when it is
/// stored (the notice carries the final time).
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
