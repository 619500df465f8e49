//! The settings of the domains beyond the basics: media storage, the word filter, the
//! persistence consumers and the chat store.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where videos and covers are stored and how uploads are limited.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// `nats` (the JetStream object store; needs nothing but NATS) or `s3`.
    pub store: StoreKind,
    /// Object store bucket used when `store = "nats"`.
    pub nats_bucket: String,
    pub s3: S3Settings,
    /// Largest accepted video upload; larger answers 413.
    pub max_upload_bytes: u64,
    /// Base of `play_url` / `cover_url`; empty means `edge.public_base_url` + `/media`
    /// (the edge serves the objects itself, with Range support). Point it at a CDN or a
    /// public bucket to serve media from there instead.
    pub public_base_url: String,
    /// The ffmpeg executable that extracts covers.
    pub ffmpeg: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Nats,
    S3,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// Empty for AWS itself; e.g. `http://127.0.0.1:9000` for MinIO or SeaweedFS.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Path-style addressing (`endpoint/bucket/key`), which MinIO-like servers need.
    pub path_style: bool,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Where direct messages live.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatSettings {
    /// `mysql` (the embedded default) or `scylla`.
    pub store: ChatStoreKind,
    /// Most messages one history request returns.
    pub page: u32,
    /// How long a conversation's newest-message time stays in Redis (a poll at the newest
    /// time is then one GET, not a store read). It also bounds how long one send whose Redis
    /// update failed can stay unseen by a poll.
    pub newest_ttl_secs: u64,
    pub scylla: ScyllaSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatStoreKind {
    Mysql,
    Scylla,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScyllaSettings {
    /// Contact points, `host:port`.
    pub nodes: Vec<String>,
    pub keyspace: String,
    /// The CQL replication map of the keyspace created at start-up.
    pub replication: String,
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            store: ChatStoreKind::Mysql,
            page: 100,
            newest_ttl_secs: 30,
            scylla: ScyllaSettings::default(),
        }
    }
}

impl Default for ScyllaSettings {
    fn default() -> Self {
        Self {
            nodes: vec!["127.0.0.1:9042".into()],
            keyspace: "gophertok".into(),
            replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}".into(),
        }
    }
}

/// The JetStream batch consumers that persist events to MySQL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersistSettings {
    /// A batch closes at this many messages…
    pub max_batch: usize,
    /// …or after this many milliseconds, whichever comes first.
    pub max_wait_ms: u64,
    /// Delay before a failed batch is redelivered.
    pub retry_delay_ms: u64,
    /// Overrides the consumer files' ack wait (how long an unacknowledged message stays
    /// with a consumer that died before it is redelivered).
    pub ack_wait_ms: Option<u64>,
}

impl Default for PersistSettings {
    fn default() -> Self {
        Self {
            max_batch: 500,
            max_wait_ms: 50,
            retry_delay_ms: 1_000,
            ack_wait_ms: None,
        }
    }
}

/// The sensitive-word filter applied to titles, comments and messages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterSettings {
    /// One word per line; unset means the short built-in list.
    pub words_path: Option<PathBuf>,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            store: StoreKind::Nats,
            nats_bucket: "gophertok-media".into(),
            s3: S3Settings::default(),
            max_upload_bytes: 200 * 1024 * 1024,
            public_base_url: String::new(),
            ffmpeg: "ffmpeg".into(),
        }
    }
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            region: "us-east-1".into(),
            bucket: "gophertok-media".into(),
            path_style: true,
            access_key_id: String::new(),
            secret_access_key: String::new(),
        }
    }
}
