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
    /// Most bytes the `nats` bucket's stream holds, so uploads cannot fill the JetStream
    /// storage likes and comments need; a full bucket refuses uploads with a 507.
    pub nats_max_bytes: u64,
    /// Concurrent uploads one client IP may have open before their token is checked; more
    /// answer 429.
    pub max_unchecked_uploads_per_ip: usize,
    pub s3: S3Settings,
    /// Largest accepted video upload; larger answers 413.
    pub max_upload_bytes: u64,
    /// Base of `play_url` / `cover_url`; empty means `edge.public_base_url` + `/media`
    /// (the edge serves the objects itself, with Range support). Point it at a CDN or a
    /// public bucket to serve media from there instead.
    pub public_base_url: String,
    /// The ffmpeg executable that extracts covers.
    pub ffmpeg: String,
    /// The ffprobe executable that reads an upload's frame size before ffmpeg decodes it.
    pub ffprobe: String,
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

/// How the video worker bounds publishing: each new file is copied to a temporary file
/// (up to `media.max_upload_bytes`) and decoded by ffmpeg, so publishes have their own
/// limit and every ffmpeg run is confined.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VideoSettings {
    /// Publishes one instance works on at once (so at most this many temporary copies).
    pub publish_concurrency: usize,
    /// Publishes that wait for a slot; past it they answer 503.
    pub publish_queue: usize,
    /// Wall-clock limit of one ffprobe or ffmpeg run; a run past it is killed.
    pub ffmpeg_timeout_ms: u64,
    /// Threads one ffmpeg run may use.
    pub ffmpeg_threads: u32,
    /// Address-space limit of one ffprobe or ffmpeg process (virtual memory: a distribution
    /// ffmpeg maps ~300 MiB of libraries before it reads a byte).
    pub ffmpeg_max_memory_mb: u64,
    /// Largest frame (width × height) an upload may declare; larger answers 400 undecoded.
    pub max_frame_pixels: u64,
    /// Newest videos each instance holds in memory for the feed (0: every page from MySQL).
    /// Pages older than them are read from MySQL; while MySQL is down they answer 503.
    pub feed_index_videos: usize,
    /// How often an instance re-reads MySQL's newest videos into that index, to recover
    /// an `evt.video.published` message it missed (e.g. while reconnecting to NATS).
    pub feed_index_resync_ms: u64,
}

impl Default for VideoSettings {
    fn default() -> Self {
        Self {
            publish_concurrency: 2,
            publish_queue: 8,
            ffmpeg_timeout_ms: 30_000,
            ffmpeg_threads: 1,
            ffmpeg_max_memory_mb: 1_024,
            max_frame_pixels: 4_096 * 4_096,
            feed_index_videos: 100_000,
            feed_index_resync_ms: 1_000,
        }
    }
}

impl VideoSettings {
    pub(crate) fn validate(&self) -> Result<(), crate::SettingsError> {
        if self.publish_concurrency == 0
            || self.ffmpeg_timeout_ms == 0
            || self.ffmpeg_threads == 0
            || self.max_frame_pixels == 0
            || self.ffmpeg_max_memory_mb < 256
            || self.feed_index_resync_ms == 0
        {
            return Err(crate::SettingsError::Invalid(
                "video.* must be above 0 (video.ffmpeg_max_memory_mb at least 256)".into(),
            ));
        }
        Ok(())
    }
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
    /// Longest wait of a send for the store: past it (or when the store is down) the message
    /// waits in the `MESSAGES` stream and the send is acknowledged from there.
    pub store_timeout_ms: u64,
    /// After a send found the store unavailable, how long the next sends go straight to the
    /// stream (no one waits `store_timeout_ms` each while the store is down).
    pub defer_secs: u64,
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
            store_timeout_ms: 1_000,
            defer_secs: 5,
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
    /// How often each persister reads its consumer's lag from the server (gauges
    /// `consumer_lag` and `consumer_oldest_unpersisted_seconds`), whether batches succeed
    /// or not.
    pub lag_poll_ms: u64,
    /// An unpersisted event older than this logs an ERROR on every poll. Must stay far below
    /// the streams' `max_age` (7 days), which would delete it: the default (1 h) leaves
    /// 167 hours to fix the cause.
    pub lag_alert_secs: u64,
}

impl Default for PersistSettings {
    fn default() -> Self {
        Self {
            max_batch: 500,
            max_wait_ms: 50,
            retry_delay_ms: 1_000,
            ack_wait_ms: None,
            lag_poll_ms: 5_000,
            lag_alert_secs: 3_600,
        }
    }
}

/// Hot state in Redis: how misses are rebuilt (see `libs/hotstate`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HotSettings {
    /// Lifetime of a key rebuilt from nothing (an id with no rows and no events): a miss
    /// is not data, so lookups of ids that do not exist leave nothing behind for long.
    pub empty_ttl_secs: u64,
    /// Rebuilds one worker instance runs at once (their own bulkhead, apart from
    /// `worker.concurrency`), so a cold start cannot take every request permit. Misses
    /// that find them all busy wait together as one batch (see `hotstate::rebuilds`).
    pub rebuild_concurrency: usize,
    /// Most members one command or fill script writes while installing rebuilt keys:
    /// groups up to this size are filled many per script, larger ones through staging keys.
    pub install_chunk: usize,
    /// Lifetime of a rebuild's staging keys, so a crashed rebuild leaves nothing.
    pub staging_ttl_secs: u64,
    /// How often the in-memory stream tail drops the events the database already holds.
    pub tail_poll_ms: u64,
    /// How long a rebuild waits for the tail to catch up with the stream before it fails
    /// (503) rather than rebuild from an incomplete tail.
    pub tail_wait_ms: u64,
    /// Most unpersisted events one instance holds in memory; past it the tail starts over
    /// and rebuilds fail (503) until the database has caught up.
    pub tail_max_events: usize,
    /// Users per page of a follow, follower or friend list (newest first, with a cursor on).
    pub list_page: usize,
    /// Most follows one friend-list script walks in Redis before it hands back a resume
    /// point (the worker calls again from there): bounded work per call, however many
    /// follows a user has and however few follow back.
    pub friend_scan_max: usize,
    /// How often the drift verifier compares the groups recent batches touched with MySQL
    /// plus the tail, and rebuilds those that differ (a Redis fail-over's partial loss).
    pub verify_interval_secs: u64,
    /// Most groups one instance verifies per round (bounded work; the newest touched first).
    pub verify_max_groups: usize,
    /// How many rounds a group stays in the verifier's sample after its last persisted
    /// write: a fail-over that loses writes a little after they were persisted is caught.
    pub verify_rounds: u32,
    /// Load a new account's (empty) likes and follows when its sign-up notice is heard, so
    /// they answer from Redis while MySQL is down. Off only where rows are imported straight
    /// into MySQL for accounts that just signed up (some tests do): the empty state loaded
    /// at sign-up would hide them.
    pub load_new_users: bool,
}

impl Default for HotSettings {
    fn default() -> Self {
        Self {
            empty_ttl_secs: 60,
            rebuild_concurrency: 8,
            install_chunk: 5_000,
            staging_ttl_secs: 120,
            tail_poll_ms: 250,
            tail_wait_ms: 2_000,
            tail_max_events: 1_000_000,
            list_page: 1_000,
            friend_scan_max: 100_000,
            verify_interval_secs: 60,
            verify_max_groups: 1_000,
            verify_rounds: 3,
            load_new_users: true,
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

/// Switches an operator flips at run time (the config centre's `features.*` keys); both on
/// by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureSettings {
    /// Off: `POST /douyin/user/register/` answers 403 "registration is closed"; existing
    /// accounts still log in.
    pub registration: bool,
    /// Off: `POST /douyin/publish/action/` answers 503 "uploads are turned off"; videos
    /// already published still play.
    pub uploads: bool,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        Self {
            registration: true,
            uploads: true,
        }
    }
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            store: StoreKind::Nats,
            nats_bucket: "gophertok-media".into(),
            nats_max_bytes: 4 << 30,
            max_unchecked_uploads_per_ip: 4,
            s3: S3Settings::default(),
            max_upload_bytes: 200 * 1024 * 1024,
            public_base_url: String::new(),
            ffmpeg: "ffmpeg".into(),
            ffprobe: "ffprobe".into(),
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

/// The in-process caches of immutable facts (profiles, video metadata with its media keys)
/// that every process calling the user and video domains keeps. Bounded by entries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// Most profiles held (one entry per user id, found or not).
    pub profiles: u64,
    /// How long the user worker keeps a found profile in Redis (seconds).
    pub profile_redis_ttl_secs: u64,
    /// Most videos held (one entry per video id, found or not).
    pub videos: u64,
    /// How long an id the owning domain does not know is believed missing.
    pub negative_ttl_ms: u64,
    /// Most verified tokens the edge remembers (0: verify every call).
    pub tokens: u64,
    /// How long a verified token is believed without checking its signature again.
    pub token_ttl_ms: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        // A profile or a video is a few hundred bytes: 100k of each is tens of MB at most.
        Self {
            profiles: 100_000,
            // A week: the users active lately, a few hundred bytes each.
            profile_redis_ttl_secs: 7 * 24 * 3600,
            videos: 100_000,
            negative_ttl_ms: 2_000,
            // A token is a few hundred bytes: 100k of them is tens of MB at most.
            tokens: 100_000,
            token_ttl_ms: 60_000,
        }
    }
}
