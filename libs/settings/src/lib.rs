//! Layered configuration — defaults in code, then an optional TOML file, then
//! `GOPHERTOK__SECTION__KEY` environment variables — and the builders of the clients it
//! configures (NATS, MySQL with migrations, Redis).

mod admin;
pub mod args;
mod clients;
mod domains;
mod edge;
mod migrations;
mod model;
mod nats_auth;
mod nats_keys;

pub use admin::{AdminSettings, admin_port};
pub use clients::{ClientError, connect_mysql, connect_nats, connect_redis};
pub use domains::*;
pub use edge::*;
pub use migrations::MIGRATOR;
pub use model::*;
pub use nats_auth::{NatsCredentials, NatsRole};
pub use nats_keys::{RoleKey, generate_role_keys, keys_env, write_role_keys};

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use config::{Config, Environment, File, FileFormat};

/// Environment variable naming the optional config file.
pub const CONFIG_FILE_ENV: &str = "GOPHERTOK_CONFIG";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("reading configuration: {0}")]
    Read(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Loads settings from the defaults, the file named by `GOPHERTOK_CONFIG` (or
/// `gophertok.toml` in the working directory, if present) and the environment.
pub fn load() -> Result<Settings, SettingsError> {
    let file = std::env::var_os(CONFIG_FILE_ENV).map(PathBuf::from);
    load_from(file.as_deref(), std::env::vars().collect())
}

/// Loads settings from the defaults, `file` (required if given, else `./gophertok.toml` if
/// present) and the `GOPHERTOK__…` variables among `env`.
pub fn load_from(
    file: Option<&Path>,
    env: HashMap<String, String>,
) -> Result<Settings, SettingsError> {
    let defaults = Config::try_from(&Settings::default())?;
    let mut builder = Config::builder().add_source(defaults);
    builder = match file {
        Some(path) => builder.add_source(File::from(path).required(true)),
        None => builder.add_source(File::new("gophertok", FileFormat::Toml).required(false)),
    };
    builder = builder.add_source(
        Environment::with_prefix("GOPHERTOK")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            .list_separator(",")
            .with_list_parse_key("chat.scylla.nodes")
            .with_list_parse_key("edge.client_ip.trusted_proxies")
            .with_list_parse_key("edge.cors_allowed_origins")
            .source(Some(env)),
    );
    let settings: Settings = builder.build()?.try_deserialize()?;
    settings.validate()?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_point_at_loopback() {
        let settings = load_from(None, HashMap::new()).unwrap();
        assert_eq!(settings.nats.url, "nats://127.0.0.1:4222");
        assert!(settings.mysql.url.contains("127.0.0.1"));
        assert!(settings.redis.url.contains("127.0.0.1"));
        assert!(settings.edge.listen.ip().is_loopback());
    }

    #[test]
    fn a_file_overrides_defaults_and_the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gophertok.toml");
        let toml = "[nats]\nurl = \"nats://file:4222\"\nrequest_timeout_ms = 1234\n\
                    [edge]\nlisten = \"0.0.0.0:9000\"\n";
        std::fs::write(&path, toml).unwrap();
        let vars = env(&[
            ("GOPHERTOK__NATS__URL", "nats://env:4222"),
            ("GOPHERTOK__WORKER__CONCURRENCY", "7"),
            (
                "GOPHERTOK__CHAT__SCYLLA__NODES",
                "10.0.0.1:9042,10.0.0.2:9042",
            ),
            ("UNRELATED", "x"),
        ]);
        let settings = load_from(Some(&path), vars).unwrap();
        assert_eq!(settings.nats.url, "nats://env:4222", "environment wins");
        assert_eq!(settings.nats.request_timeout_ms, 1234, "file beats default");
        assert_eq!(settings.edge.listen.port(), 9000);
        assert_eq!(settings.worker.concurrency, 7);
        assert_eq!(
            settings.chat.scylla.nodes,
            ["10.0.0.1:9042", "10.0.0.2:9042"]
        );
        assert_eq!(settings.redis.prefix, "gt:", "untouched keys keep defaults");
    }

    #[test]
    fn cors_origins_come_as_a_list_and_must_be_origins() {
        let vars = env(&[(
            "GOPHERTOK__EDGE__CORS_ALLOWED_ORIGINS",
            "https://app.example.com,http://127.0.0.1:3000",
        )]);
        let settings = load_from(None, vars).unwrap();
        assert_eq!(
            settings.edge.cors_allowed_origins,
            ["https://app.example.com", "http://127.0.0.1:3000"]
        );
        let key = "GOPHERTOK__EDGE__CORS_ALLOWED_ORIGINS";
        assert_refused(
            key,
            "https://app.example.com/path",
            "edge.cors_allowed_origins",
        );
        assert_refused(key, "app.example.com", "edge.cors_allowed_origins");
    }

    #[test]
    fn live_stream_bounds_must_be_usable() {
        let heartbeat = "GOPHERTOK__EDGE__LIVE__HEARTBEAT_MS";
        assert_refused(heartbeat, "0", "edge.live.heartbeat_ms");
        // A heartbeat past the idle timeout would let the edge close quiet streams.
        assert_refused(heartbeat, "60000", "edge.live.heartbeat_ms");
        assert_refused(
            "GOPHERTOK__EDGE__LIVE__MAX_PER_USER",
            "0",
            "edge.live.max_per_user",
        );
    }

    /// Asserts that setting environment variable `key` to `value` fails at load with an
    /// error naming `named`.
    fn assert_refused(key: &str, value: &str, named: &str) {
        let err = load_from(None, env(&[(key, value)]))
            .unwrap_err()
            .to_string();
        assert!(err.contains(named), "{key}={value}: {err}");
    }

    #[test]
    fn invalid_values_fail_at_start_with_the_key_named() {
        assert_refused(
            "GOPHERTOK__TELEMETRY__LOG_FORMAT",
            "xml",
            "telemetry.log_format",
        );
        assert_refused("GOPHERTOK__EDGE__LISTEN", "nowhere", "listen");
        assert_refused(
            "GOPHERTOK__TELEMETRY__OTLP_ENDPOINT",
            "collector:4318",
            "telemetry.otlp_endpoint",
        );
        // A misspelt key fails instead of silently keeping the default.
        assert_refused("GOPHERTOK__NATS__URLL", "nats://x:4222", "urll");
        let missing = load_from(Some(Path::new("/nonexistent/gt.toml")), HashMap::new());
        assert!(missing.is_err(), "a named config file must exist");
    }

    #[test]
    fn a_brace_in_the_redis_prefix_or_a_zero_hot_setting_is_refused() {
        // A brace would become every key's Redis Cluster hash tag.
        assert_refused("GOPHERTOK__REDIS__PREFIX", "gt{1}:", "redis.prefix");
        assert_refused("GOPHERTOK__HOT__EMPTY_TTL_SECS", "0", "hot.");
        let ok = load_from(None, env(&[("GOPHERTOK__HOT__EMPTY_TTL_SECS", "5")])).unwrap();
        assert_eq!(ok.hot.empty_ttl_secs, 5);
    }

    #[test]
    fn replicas_default_to_1_and_only_1_to_5_are_accepted() {
        let defaults = load_from(None, HashMap::new()).unwrap();
        assert_eq!(defaults.nats.replicas, 1);
        assert_eq!(defaults.persist.lag_poll_ms, 5_000);
        assert_eq!(defaults.persist.lag_alert_secs, 3_600);
        assert_refused("GOPHERTOK__NATS__REPLICAS", "0", "nats.replicas");
        assert_refused("GOPHERTOK__NATS__REPLICAS", "6", "nats.replicas");
        assert_refused(
            "GOPHERTOK__PERSIST__LAG_POLL_MS",
            "0",
            "persist.lag_poll_ms",
        );
        let three = load_from(None, env(&[("GOPHERTOK__NATS__REPLICAS", "3")])).unwrap();
        assert_eq!(three.nats.replicas, 3);
    }

    #[test]
    fn the_cluster_settings_file_asks_for_3_replicas() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../nats/cluster/gophertok.toml");
        let settings = load_from(Some(&file), HashMap::new()).unwrap();
        assert_eq!(settings.nats.replicas, 3);
    }

    #[test]
    fn store_time_outs_default_to_3_s_and_zero_is_refused() {
        let defaults = load_from(None, HashMap::new()).unwrap();
        assert_eq!(defaults.mysql.acquire_timeout_ms, 3_000);
        assert_eq!(defaults.redis.command_timeout_ms, 3_000);
        // Zero would mean "fail every request" to sqlx and "wait for ever" to fred.
        assert_refused(
            "GOPHERTOK__MYSQL__ACQUIRE_TIMEOUT_MS",
            "0",
            "mysql.acquire_timeout_ms",
        );
        assert_refused(
            "GOPHERTOK__REDIS__COMMAND_TIMEOUT_MS",
            "0",
            "redis.command_timeout_ms",
        );
    }

    #[test]
    fn the_edge_limits_proxies_and_metrics_listener_come_from_the_environment() {
        let vars = env(&[
            ("GOPHERTOK__EDGE__METRICS_LISTEN", ""),
            (
                "GOPHERTOK__EDGE__LIMITS__LOGINS_PER_USERNAME__PER_SECOND",
                "0.5",
            ),
            ("GOPHERTOK__EDGE__CLIENT_IP__HEADER", "x-forwarded-for"),
            (
                "GOPHERTOK__EDGE__CLIENT_IP__TRUSTED_PROXIES",
                "10.0.0.0/8,192.168.1.1",
            ),
        ]);
        let settings = load_from(None, vars).unwrap();
        assert_eq!(settings.edge.metrics_addr(), None, "empty disables it");
        assert_eq!(settings.edge.limits.logins_per_username.per_second, 0.5);
        assert_eq!(settings.edge.client_ip.trusted_networks().unwrap().len(), 2);
        let defaults = load_from(None, HashMap::new()).unwrap();
        assert_eq!(defaults.edge.metrics_addr().unwrap().port(), 9464);
        assert!(defaults.edge.client_ip.header.is_empty());
        let proxies = "GOPHERTOK__EDGE__CLIENT_IP__TRUSTED_PROXIES";
        assert_refused(proxies, "10.0.0.0/33", "trusted_proxies");
        let burst = "GOPHERTOK__EDGE__LIMITS__PER_IP__BURST";
        assert_refused(burst, "0", "edge.limits");
        assert_refused(
            "GOPHERTOK__EDGE__METRICS_LISTEN",
            "nowhere",
            "metrics_listen",
        );
    }

    #[test]
    fn a_bulkhead_of_zero_or_an_ffmpeg_without_room_to_load_is_refused() {
        assert_refused(
            "GOPHERTOK__USER__HASH_CONCURRENCY",
            "0",
            "user.hash_concurrency",
        );
        assert_refused("GOPHERTOK__VIDEO__PUBLISH_CONCURRENCY", "0", "video.");
        assert_refused("GOPHERTOK__VIDEO__FFMPEG_MAX_MEMORY_MB", "100", "video.");
        let ok = load_from(None, env(&[("GOPHERTOK__VIDEO__PUBLISH_QUEUE", "0")])).unwrap();
        assert_eq!(
            ok.video.publish_queue, 0,
            "no queue: busy as soon as all slots run"
        );
        assert!(ok.user.hash_concurrency >= 1);
    }

    #[test]
    fn redis_is_one_server_or_a_cluster_and_nothing_else() {
        let cluster = "redis-cluster://10.0.0.1:6379?node=10.0.0.2:6379&node=10.0.0.3:6379";
        let settings = load_from(None, env(&[("GOPHERTOK__REDIS__URL", cluster)])).unwrap();
        assert_eq!(settings.redis.url, cluster);
        let err = load_from(None, env(&[("GOPHERTOK__REDIS__URL", "memcached://x:1")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("redis.url"), "{err}");
    }
}
