//! The edge's settings: where it listens and its time-outs, its abuse limits (request rates
//! per client IP, per user, of writes per user and of logins per username; they can change
//! at run time, the `liveconfig` crate), which proxies may name the client in a header, the
//! live-chat streams and CORS.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::SettingsError;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EdgeSettings {
    pub listen: SocketAddr,
    /// Largest request body outside uploads; larger answers 413.
    pub body_limit_bytes: usize,
    /// The absolute URL phones reach the edge at; relative media paths are resolved
    /// against it (e.g. the default avatar `/static/avatar.png`).
    pub public_base_url: String,
    /// Where `/metrics` is served, apart from the API; empty: not served at all.
    pub metrics_listen: String,
    /// Longest wait from a request's first byte to the end of its head (slow-loris heads).
    pub header_timeout_ms: u64,
    /// Longest wait of a kept-alive connection for its next request.
    pub idle_timeout_ms: u64,
    /// Longest pause while a request body arrives: a body may take as long as it needs (big
    /// uploads on slow links) as long as some of it keeps arriving.
    pub body_timeout_ms: u64,
    /// Connections served at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// On shutdown, how long open requests may finish before their connections are dropped.
    pub shutdown_grace_ms: u64,
    pub limits: EdgeLimits,
    pub client_ip: ClientIpSettings,
    /// The live-chat stream (`GET /douyin/message/stream/`).
    pub live: LiveStreams,
    /// Web origins (`https://app.example.com`) whose pages may call the API from a browser
    /// (CORS); empty: none but the edge's own, which serves the web app.
    pub cors_allowed_origins: Vec<String>,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 64 * 1024,
            public_base_url: "http://127.0.0.1:8080".into(),
            metrics_listen: "127.0.0.1:9464".into(),
            header_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            body_timeout_ms: 30_000,
            max_connections: 10_000,
            shutdown_grace_ms: 10_000,
            limits: EdgeLimits::default(),
            client_ip: ClientIpSettings::default(),
            live: LiveStreams::default(),
            cors_allowed_origins: Vec::new(),
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second` (fractions allowed, so
/// `0.2` is one request every five seconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

/// Each limit answers 429 with `Retry-After` once exceeded. The defaults are far above what
/// one person with the app (or this project's tests) does; load tests raise them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EdgeLimits {
    /// Every request, keyed by client IP (many phones may share a carrier's IP).
    pub per_ip: RateLimit,
    /// Every request carrying a valid token, keyed by its user.
    pub per_user: RateLimit,
    /// Likes, comments, follows, messages and uploads, keyed by their user.
    pub writes_per_user: RateLimit,
    /// Login attempts, keyed by the username tried (slows password guessing).
    pub logins_per_username: RateLimit,
}

/// Where the client address comes from: the TCP peer, or — only when the peer is a trusted
/// proxy — the right-most untrusted address of `header` (e.g. `x-forwarded-for`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientIpSettings {
    /// Empty: the TCP peer is the client, whatever the request says.
    pub header: String,
    /// CIDRs (`10.0.0.0/8`) or single addresses of the proxies in front of the edge.
    pub trusted_proxies: Vec<String>,
}

impl Default for EdgeLimits {
    fn default() -> Self {
        Self {
            per_ip: RateLimit {
                per_second: 500.0,
                burst: 2_000,
            },
            per_user: RateLimit {
                per_second: 50.0,
                burst: 200,
            },
            writes_per_user: RateLimit {
                per_second: 10.0,
                burst: 100,
            },
            logins_per_username: RateLimit {
                per_second: 0.2,
                burst: 10,
            },
        }
    }
}

impl EdgeLimits {
    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        let all = [
            &self.per_ip,
            &self.per_user,
            &self.writes_per_user,
            &self.logins_per_username,
        ];
        let valid = |limit: &&RateLimit| {
            limit.burst > 0 && limit.per_second.is_finite() && limit.per_second > 0.0
        };
        if all.iter().all(valid) {
            Ok(())
        } else {
            Err(SettingsError::Invalid(
                "every edge.limits.* needs per_second above 0 and burst above 0".into(),
            ))
        }
    }
}

impl ClientIpSettings {
    /// The parsed `trusted_proxies`; a single address is a network of one.
    pub fn trusted_networks(&self) -> Result<Vec<IpNet>, SettingsError> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        SettingsError::Invalid(format!(
                            "edge.client_ip.trusted_proxies: {entry:?} is not an IP or CIDR"
                        ))
                    })
            })
            .collect()
    }
}

/// Bounds of the live-chat streams: each holds a connection and a NATS subscription, so an
/// anonymous flood or one user's many tabs cannot exhaust the edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveStreams {
    /// A comment line this often keeps proxies and the idle timeout from closing a quiet
    /// stream; below `edge.idle_timeout_ms`.
    pub heartbeat_ms: u64,
    /// Streams one user may hold open on one edge instance (phone, tabs); more answer 429.
    pub max_per_user: usize,
    /// Streams one edge instance holds open; more answer 429.
    pub max_total: usize,
}

impl Default for LiveStreams {
    fn default() -> Self {
        Self {
            heartbeat_ms: 15_000,
            max_per_user: 4,
            max_total: 10_000,
        }
    }
}

impl LiveStreams {
    fn validate(&self, idle_timeout_ms: u64) -> Result<(), SettingsError> {
        if self.heartbeat_ms == 0 || self.heartbeat_ms >= idle_timeout_ms {
            return Err(SettingsError::Invalid(
                "edge.live.heartbeat_ms must be above 0 and below edge.idle_timeout_ms".into(),
            ));
        }
        if self.max_per_user == 0 || self.max_total == 0 {
            return Err(SettingsError::Invalid(
                "edge.live.max_per_user and edge.live.max_total must be above 0".into(),
            ));
        }
        Ok(())
    }
}

/// Each of `edge.cors_allowed_origins` must be an origin: `http(s)://host[:port]`, nothing
/// after it (a browser sends exactly that in `Origin`, so anything else never matches).
fn validate_origins(origins: &[String]) -> Result<(), SettingsError> {
    for origin in origins {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let host_ok = |host: &str| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        };
        if !rest.is_some_and(host_ok) {
            return Err(SettingsError::Invalid(format!(
                "edge.cors_allowed_origins: {origin:?} is not an origin like https://app.example.com"
            )));
        }
    }
    Ok(())
}

/// `edge.metrics_listen` parsed: `None` when it is empty (no metrics listener).
pub fn parse_listen(name: &str, value: &str) -> Result<Option<SocketAddr>, SettingsError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    value
        .trim()
        .parse()
        .map(Some)
        .map_err(|_| SettingsError::Invalid(format!("{name} must be host:port or empty")))
}

impl crate::EdgeSettings {
    /// Where `/metrics` is served; `None` when `metrics_listen` is empty.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        parse_listen("edge.metrics_listen", &self.metrics_listen)
            .ok()
            .flatten()
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        parse_listen("edge.metrics_listen", &self.metrics_listen)?;
        let timeouts = [
            self.header_timeout_ms,
            self.idle_timeout_ms,
            self.body_timeout_ms,
            self.shutdown_grace_ms,
        ];
        if timeouts.contains(&0) || self.max_connections == 0 {
            return Err(SettingsError::Invalid(
                "edge.*_timeout_ms, edge.shutdown_grace_ms and edge.max_connections must be above 0"
                    .into(),
            ));
        }
        self.limits.validate()?;
        self.live.validate(self.idle_timeout_ms)?;
        validate_origins(&self.cors_allowed_origins)?;
        self.client_ip.trusted_networks().map(drop)
    }
}
