//! Who the client is, by address: the TCP peer, or — only when the peer is a proxy we trust —
//! the right-most untrusted address of the configured forwarding header. Anyone can write
//! `X-Forwarded-For`; only our own proxies' additions to it are believed.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, HeaderName, request::Parts},
};
use ipnet::IpNet;
use settings::ClientIpSettings;

use crate::error::ApiError;

/// The client's address, as [`ClientIpPolicy`] decides it. Extract it in a handler; the
/// per-IP limit (which runs first on every route) stores it in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        if let Some(ip) = parts.extensions.get::<ClientIp>() {
            return Ok(*ip);
        }
        // Routers not behind the limit still know the peer (the server adds it).
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| ClientIp(peer.ip().to_canonical()))
            .ok_or_else(|| ApiError::internal("the client address is unknown"))
    }
}

/// `edge.client_ip` in a form ready to apply.
#[derive(Debug, Clone, Default)]
pub struct ClientIpPolicy {
    header: Option<HeaderName>,
    trusted: Vec<IpNet>,
}

impl ClientIpPolicy {
    /// Invalid entries were refused when the settings were loaded; settings built in code
    /// that still carry some get them ignored, loudly.
    pub fn new(settings: &ClientIpSettings) -> Self {
        let header = Some(settings.header.trim())
            .filter(|name| !name.is_empty())
            .and_then(|name| HeaderName::try_from(name.to_ascii_lowercase()).ok());
        let trusted = settings.trusted_networks().unwrap_or_else(|err| {
            tracing::error!(error = %err, "ignoring edge.client_ip.trusted_proxies");
            Vec::new()
        });
        Self { header, trusted }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        let Some(header) = &self.header else {
            return peer;
        };
        if !self.trusts(peer) {
            return peer;
        }
        // Each proxy appends the address it got the request from, so walk from the right:
        // the first address no trusted proxy could have written is the client's.
        let mut nearest = peer;
        let values = headers.get_all(header).iter().rev();
        let hops = values.flat_map(|value| value.to_str().unwrap_or("").rsplit(','));
        for hop in hops {
            let Some(ip) = parse_hop(hop) else {
                // Garbage from a trusted hop's client: that hop is as far as we can see.
                return nearest;
            };
            if !self.trusts(ip) {
                return ip;
            }
            nearest = ip;
        }
        nearest
    }
}

/// One entry of a forwarding header: an address, possibly with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(trusted: &[&str]) -> ClientIpPolicy {
        ClientIpPolicy::new(&ClientIpSettings {
            header: "X-Forwarded-For".into(),
            trusted_proxies: trusted.iter().map(|s| s.to_string()).collect(),
        })
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().expect("header value"));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client_when_the_peer_is_trusted() {
        let policy = policy(&["10.0.0.0/8", "192.168.1.1"]);
        let chain = headers(&["6.6.6.6, 1.2.3.4", "10.1.1.1"]);
        assert_eq!(policy.client(ip("192.168.1.1"), &chain), ip("1.2.3.4"));
        assert_eq!(policy.client(ip("8.8.8.8"), &chain), ip("8.8.8.8"));
        let all_trusted = headers(&["10.2.2.2"]);
        assert_eq!(policy.client(ip("10.9.9.9"), &all_trusted), ip("10.2.2.2"));
        let garbage = headers(&["nonsense, 10.3.3.3"]);
        assert_eq!(policy.client(ip("10.9.9.9"), &garbage), ip("10.3.3.3"));
        let ported = headers(&["1.2.3.4:5555"]);
        assert_eq!(policy.client(ip("10.9.9.9"), &ported), ip("1.2.3.4"));
    }

    #[test]
    fn without_a_header_setting_the_peer_is_the_client() {
        let policy = ClientIpPolicy::new(&ClientIpSettings {
            header: String::new(),
            trusted_proxies: vec!["0.0.0.0/0".into()],
        });
        let chain = headers(&["1.2.3.4"]);
        assert_eq!(policy.client(ip("10.0.0.1"), &chain), ip("10.0.0.1"));
    }
}
