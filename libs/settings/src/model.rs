//! The settings tree. Every default points at loopback, so a laptop needs no config at all.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

use crate::{
    AdminSettings, CacheSettings, ChatSettings, EdgeSettings, FeatureSettings, FilterSettings,
    HotSettings, MediaSettings, NatsCredentials, PersistSettings, SettingsError, StoreKind,
    VideoSettings,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where state that belongs to this host lives (e.g. the generated token signing key).
    pub data_dir: PathBuf,
    pub nats: NatsSettings,
    pub mysql: MysqlSettings,
    pub redis: RedisSettings,
    pub edge: EdgeSettings,
    pub auth: AuthSettings,
    pub user: UserSettings,
    pub video: VideoSettings,
    pub worker: WorkerSettings,
    pub telemetry: TelemetrySettings,
    pub media: MediaSettings,
    pub filter: FilterSettings,
    pub features: FeatureSettings,
    pub persist: PersistSettings,
    pub chat: ChatSettings,
    pub hot: HotSettings,
    pub cache: CacheSettings,
    pub admin: AdminSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NatsSettings {
    pub url: String,
    /// How long a call to a worker may take before the edge answers 504.
    pub request_timeout_ms: u64,
    /// Copies JetStream keeps of every stream we create and of the media bucket (1–5). One
    /// node: 1. A cluster: 3, so a write is acknowledged only once a quorum holds it and a
    /// lost node or disk loses nothing (see `nats/cluster/gophertok.toml`).
    pub replicas: usize,
    /// Credentials per role (`edge`, `user`, …, `admin`) for a locked-down bus
    /// (`nats/locked.conf`): each process connects as the role of what it runs. Empty: no
    /// authentication (the open loopback server of `nats/single.conf`). Once any role is
    /// set, a process whose role is missing refuses to start.
    pub credentials: BTreeMap<String, NatsCredentials>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MysqlSettings {
    /// The database in the URL is created at start-up when missing.
    pub url: String,
    pub max_connections: u32,
    /// How long a query waits for a pooled connection (or a new one) before it fails with a
    /// 503: a stalled or unreachable MySQL must not hold a worker's permits for ever.
    pub acquire_timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://host:port` for one Redis, or `redis-cluster://host:port?node=host:port&…`
    /// for a Redis Cluster (the client learns the slot map from any reachable seed).
    pub url: String,
    /// Prefix of every key, so several deployments (or tests) can share one Redis.
    pub prefix: String,
    /// How long a command (and a connection attempt) may take before it fails with a 503;
    /// without it, commands queue for ever while Redis is unreachable.
    pub command_timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// PKCS#8 PEM of the Ed25519 signing key; when unset, one is created in `data_dir/keys`.
    pub private_key_path: Option<PathBuf>,
    pub issuer: String,
    pub audience: String,
    pub token_ttl_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserSettings {
    /// Absolute URL, or a path the edge resolves against `edge.public_base_url`.
    pub default_avatar: String,
    pub default_background_image: String,
    pub default_signature: String,
    /// Lifetime of a snowflake node-id lease in Redis; renewed at a third of it.
    pub node_lease_secs: u64,
    /// Password hashes (register, login) one instance computes at once: each takes a core
    /// and 19 MiB, so more only slow them all and starve the cheap lookups.
    pub hash_concurrency: usize,
    /// Logins and registrations that wait for a hashing slot; past it they answer 503.
    pub hash_queue: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Requests one worker instance handles at once.
    pub concurrency: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// `tracing` filter directives, e.g. `info,edge=debug`; `RUST_LOG` overrides it.
    pub log_filter: String,
    /// `text` or `json`.
    pub log_format: String,
    /// OTLP/HTTP (protobuf) collector base URL, e.g. `http://127.0.0.1:4318`; spans go to
    /// `<url>/v1/traces`. Empty: no spans are exported (trace ids still reach the logs).
    pub otlp_endpoint: String,
    /// Share of new traces exported (0.0–1.0); a call's later hops follow its first one.
    pub trace_sample_ratio: f64,
}

impl Default for NatsSettings {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".into(),
            request_timeout_ms: 5_000,
            replicas: 1,
            credentials: BTreeMap::new(),
        }
    }
}

impl Default for MysqlSettings {
    fn default() -> Self {
        Self {
            url: "mysql://root@127.0.0.1:3306/gophertok".into(),
            max_connections: 16,
            acquire_timeout_ms: 3_000,
        }
    }
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".into(),
            prefix: "gt:".into(),
            command_timeout_ms: 3_000,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            private_key_path: None,
            issuer: "gophertok".into(),
            audience: "gophertok-app".into(),
            token_ttl_secs: 7 * 24 * 3600,
        }
    }
}

impl Default for UserSettings {
    fn default() -> Self {
        Self {
            // Served by the edge itself, so a fresh install makes no calls to the internet.
            default_avatar: "/static/avatar.png".into(),
            default_background_image: "/static/background.png".into(),
            default_signature: "This user has not written a signature yet.".into(),
            node_lease_secs: 30,
            hash_concurrency: std::thread::available_parallelism().map_or(2, |cores| cores.get()),
            hash_queue: 64,
        }
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self { concurrency: 256 }
    }
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_filter: "info".into(),
            log_format: "text".into(),
            otlp_endpoint: String::new(),
            trace_sample_ratio: 1.0,
        }
    }
}

impl Settings {
    /// Rejects values that would only fail later, far from their cause.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |message: &str| Err(SettingsError::Invalid(message.to_owned()));
        if self.nats.url.is_empty() {
            return invalid("nats.url is empty");
        }
        if self.nats.request_timeout_ms == 0 {
            return invalid("nats.request_timeout_ms must be above 0");
        }
        // JetStream refuses more than 5 replicas; more than the cluster's nodes fails when
        // the streams are created, with the server's own message.
        if !(1..=5).contains(&self.nats.replicas) {
            return invalid("nats.replicas must be 1–5 (3 in a 3-node cluster)");
        }
        crate::nats_auth::check_credentials(&self.nats.credentials)
            .map_err(SettingsError::Invalid)?;
        if !self.mysql.url.starts_with("mysql://") && !self.mysql.url.starts_with("mariadb://") {
            return invalid("mysql.url must start with mysql://");
        }
        if self.mysql.acquire_timeout_ms == 0 || self.redis.command_timeout_ms == 0 {
            return invalid(
                "mysql.acquire_timeout_ms and redis.command_timeout_ms must be above 0",
            );
        }
        if !self.redis.url.starts_with("redis://")
            && !self.redis.url.starts_with("redis-cluster://")
        {
            return invalid("redis.url must start with redis:// or redis-cluster://");
        }
        if !self.edge.public_base_url.starts_with("http://")
            && !self.edge.public_base_url.starts_with("https://")
        {
            return invalid("edge.public_base_url must be an http(s) URL");
        }
        self.edge.validate()?;
        self.admin.validate()?;
        if self.auth.token_ttl_secs == 0 || self.auth.issuer.is_empty() {
            return invalid("auth.token_ttl_secs must be above 0 and auth.issuer set");
        }
        if self.user.node_lease_secs < 3 {
            return invalid("user.node_lease_secs must be at least 3");
        }
        // The consumer files allow pulls of at most 10,000 messages; a larger pull is refused
        // by the server, which would stop persistence.
        if !(1..=10_000).contains(&self.persist.max_batch) || self.persist.max_wait_ms == 0 {
            return invalid("persist.max_batch must be 1–10000 and persist.max_wait_ms above 0");
        }
        if self.persist.lag_poll_ms == 0 || self.persist.lag_alert_secs == 0 {
            return invalid("persist.lag_poll_ms and persist.lag_alert_secs must be above 0");
        }
        // The hot state's keys carry `{…}` hash tags (Redis Cluster); a brace in the prefix
        // would become the tag and put every key in one slot.
        if self.redis.prefix.contains(['{', '}']) {
            return invalid("redis.prefix must not contain { or }");
        }
        let hot = &self.hot;
        if hot.empty_ttl_secs == 0
            || hot.rebuild_concurrency == 0
            || hot.install_chunk == 0
            || hot.staging_ttl_secs == 0
            || hot.tail_poll_ms == 0
            || hot.tail_wait_ms == 0
            || hot.tail_max_events == 0
            || hot.verify_interval_secs == 0
            || hot.verify_max_groups == 0
            || hot.verify_rounds == 0
        {
            return invalid("every hot.* setting must be above 0");
        }
        if self.cache.negative_ttl_ms == 0 || self.cache.profile_redis_ttl_secs == 0 {
            return invalid(
                "cache.negative_ttl_ms and cache.profile_redis_ttl_secs must be above 0",
            );
        }
        let telemetry = &self.telemetry;
        if !telemetry.otlp_endpoint.is_empty()
            && !telemetry.otlp_endpoint.starts_with("http://")
            && !telemetry.otlp_endpoint.starts_with("https://")
        {
            return invalid("telemetry.otlp_endpoint must be an http(s) URL or empty");
        }
        if !(0.0..=1.0).contains(&telemetry.trace_sample_ratio) {
            return invalid("telemetry.trace_sample_ratio must be 0.0–1.0");
        }
        if self.chat.page == 0 {
            return invalid("chat.page must be above 0");
        }
        if self.chat.newest_ttl_secs == 0 || self.chat.store_timeout_ms == 0 {
            return invalid("chat.newest_ttl_secs and chat.store_timeout_ms must be above 0");
        }
        let keyspace = &self.chat.scylla.keyspace;
        if keyspace.is_empty()
            || !keyspace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return invalid("chat.scylla.keyspace must be letters, digits and underscores");
        }
        if self.user.hash_concurrency == 0 {
            return invalid("user.hash_concurrency must be above 0");
        }
        self.video.validate()?;
        if self.media.max_upload_bytes == 0 {
            return invalid("media.max_upload_bytes must be above 0");
        }
        if self.media.nats_max_bytes == 0 || self.media.max_unchecked_uploads_per_ip == 0 {
            return invalid(
                "media.nats_max_bytes and media.max_unchecked_uploads_per_ip must be above 0",
            );
        }
        if self.media.store == StoreKind::S3 && self.media.s3.bucket.is_empty() {
            return invalid("media.s3.bucket must be set when media.store = \"s3\"");
        }
        if !matches!(self.telemetry.log_format.as_str(), "text" | "json") {
            return invalid("telemetry.log_format must be text or json");
        }
        Ok(())
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.nats.request_timeout_ms)
    }

    /// Where `play_url` and `cover_url` point: `media.public_base_url`, else the edge's
    /// own `/media` route.
    pub fn media_base_url(&self) -> String {
        if self.media.public_base_url.is_empty() {
            format!("{}/media", self.edge.public_base_url.trim_end_matches('/'))
        } else {
            self.media.public_base_url.trim_end_matches('/').to_owned()
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("var/data"),
            nats: NatsSettings::default(),
            mysql: MysqlSettings::default(),
            redis: RedisSettings::default(),
            edge: EdgeSettings::default(),
            auth: AuthSettings::default(),
            user: UserSettings::default(),
            video: VideoSettings::default(),
            worker: WorkerSettings::default(),
            telemetry: TelemetrySettings::default(),
            media: MediaSettings::default(),
            filter: FilterSettings::default(),
            features: FeatureSettings::default(),
            persist: PersistSettings::default(),
            hot: HotSettings::default(),
            chat: ChatSettings::default(),
            cache: CacheSettings::default(),
            admin: AdminSettings::default(),
        }
    }
}
